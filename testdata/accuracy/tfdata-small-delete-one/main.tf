# AFTER: one of 3 terraform_data resources removed.

resource "terraform_data" "app" {
  input = "app"
}

resource "terraform_data" "worker" {
  input = "worker"
}
