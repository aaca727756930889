# environment-teardown/quiet, AFTER: the monitoring block is removed; a plain
# plan deletes 1 of 8 (delete_because_no_resource_config), 7 no-op.
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
