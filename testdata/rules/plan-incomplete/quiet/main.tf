# plan-incomplete/quiet, AFTER: the same change, a normal full plan (complete = true).
resource "terraform_data" "network" {
  input = "10.0.0.0/16"
}

resource "terraform_data" "app" {
  input = { network = terraform_data.network.output, version = "v2" }
}

resource "terraform_data" "database" {
  input = "orders-v2"
}
