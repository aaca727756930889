# BEFORE: 3 terraform_data resources.

resource "terraform_data" "app" {
  input = "app"
}

resource "terraform_data" "worker" {
  input = "worker"
}

resource "terraform_data" "cron" {
  input = "cron"
}
