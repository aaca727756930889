# AFTER: app changes and legacy is removed; planned with -target=terraform_data.app.

resource "terraform_data" "network" {
  input = "10.31.0.0/16"
}

resource "terraform_data" "app" {
  input = "app-v2 on ${terraform_data.network.output}"
}
