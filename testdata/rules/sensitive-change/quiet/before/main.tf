# sensitive-change/quiet, BEFORE: a non-sensitive variable in terraform_data.input.
variable "db_host" {
  type    = string
  default = "orders-db-old.internal"
}

resource "terraform_data" "input" {
  input = {
    user = "app"
    host = var.db_host
  }
}
