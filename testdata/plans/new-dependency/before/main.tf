# BEFORE: four independent terraform_data resources.

resource "terraform_data" "image" {
  triggers_replace = "v1"
}

resource "terraform_data" "web" {
  input = "static"
}

resource "terraform_data" "worker" {
  input = "static"
}

resource "terraform_data" "network" {
  input = "network"
}
