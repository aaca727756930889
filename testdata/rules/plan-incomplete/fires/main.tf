# plan-incomplete/fires, AFTER: app and database change; planned with
# `-target=terraform_data.app`: complete = false, the database update is left out.
resource "terraform_data" "network" {
  input = "10.0.0.0/16"
}

resource "terraform_data" "app" {
  input = { network = terraform_data.network.output, version = "v2" }
}

resource "terraform_data" "database" {
  input = "orders-v2"
}
