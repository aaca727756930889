# sensitive-change/fires, AFTER: the sensitive value changes to "s3cr3t-new":
# update, with before_sensitive/after_sensitive marking it.
variable "db_password" {
  type      = string
  sensitive = true
  default   = "s3cr3t-new"
}

resource "terraform_data" "input" {
  input = {
    user     = "app"
    password = var.db_password
  }
}
