# plan-incomplete/quiet, BEFORE: three resources.
resource "terraform_data" "network" {
  input = "10.0.0.0/16"
}

resource "terraform_data" "app" {
  input = { network = terraform_data.network.output, version = "v1" }
}

resource "terraform_data" "database" {
  input = "orders-v1"
}
