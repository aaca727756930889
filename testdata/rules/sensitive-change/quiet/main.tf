# sensitive-change/quiet, AFTER: the non-sensitive value changes: update, nothing sensitive.
variable "db_host" {
  type    = string
  default = "orders-db-new.internal"
}

resource "terraform_data" "input" {
  input = {
    user = "app"
    host = var.db_host
  }
}
