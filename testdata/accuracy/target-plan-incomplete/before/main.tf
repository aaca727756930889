# BEFORE

resource "terraform_data" "network" {
  input = "10.31.0.0/16"
}

resource "terraform_data" "app" {
  input = "app-v1 on ${terraform_data.network.output}"
}

resource "terraform_data" "legacy" {
  input = "legacy"
}
