# Before: web depends on nothing.
resource "terraform_data" "database" {
  input = "db"
}

resource "terraform_data" "queue" {
  input      = "queue"
  depends_on = [terraform_data.database]
}

resource "terraform_data" "web" {
  input = "web"
}
