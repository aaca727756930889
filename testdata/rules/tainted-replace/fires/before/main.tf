# tainted-replace/fires, BEFORE: applied, then `terraform taint terraform_data.server`.
resource "terraform_data" "server" {
  input = "web-server"
}

resource "terraform_data" "config" {
  input = "v1"
}
