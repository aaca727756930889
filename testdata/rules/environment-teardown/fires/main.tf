# environment-teardown/fires: a whole environment of 8 terraform_data resources.
# Applied as is, then planned with `terraform plan -destroy`: all 8 delete.
resource "terraform_data" "network" {
  input = "10.50.0.0/16"
}

resource "terraform_data" "database" {
  input = { network = terraform_data.network.output, engine = "postgres" }
}

resource "terraform_data" "cache" {
  input = { network = terraform_data.network.output, engine = "redis" }
}

resource "terraform_data" "queue" {
  input = { network = terraform_data.network.output, kind = "sqs" }
}

resource "terraform_data" "api" {
  input = { db = terraform_data.database.id, cache = terraform_data.cache.id }
}

resource "terraform_data" "worker" {
  input = { db = terraform_data.database.id, queue = terraform_data.queue.id }
}

resource "terraform_data" "dns" {
  input = { api = terraform_data.api.id, zone = "example.internal" }
}

resource "terraform_data" "monitoring" {
  input = { targets = [terraform_data.api.id, terraform_data.worker.id] }
}
