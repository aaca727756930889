# sensitive-change/fires, BEFORE: a sensitive variable ("s3cr3t-old") in terraform_data.input.
variable "db_password" {
  type      = string
  sensitive = true
  default   = "s3cr3t-old"
}

resource "terraform_data" "input" {
  input = {
    user     = "app"
    password = var.db_password
  }
}
