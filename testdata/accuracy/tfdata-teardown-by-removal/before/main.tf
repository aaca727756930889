# BEFORE: 8 terraform_data resources.

resource "terraform_data" "dns" {
  input = "dns"
}

resource "terraform_data" "cdn" {
  input = "cdn"
}

resource "terraform_data" "api" {
  input = "api"
}

resource "terraform_data" "web" {
  input = "web"
}

resource "terraform_data" "worker" {
  input = "worker"
}

resource "terraform_data" "queue" {
  input = "queue"
}

resource "terraform_data" "cache" {
  input = "cache"
}

resource "terraform_data" "db" {
  input = "db"
}
