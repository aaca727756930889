# targeted, BEFORE: a small terraform_data deployment.
resource "terraform_data" "network" {
  input = "net-v1"
}

resource "terraform_data" "app" {
  input = { version = "v1", network = terraform_data.network.output }
}

resource "terraform_data" "database" {
  input = "db-v1"
}

resource "terraform_data" "cache" {
  count = 2
  input = "cache-${count.index}"
}
