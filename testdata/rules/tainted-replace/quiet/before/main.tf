# tainted-replace/quiet, BEFORE: applied, no taint.
resource "terraform_data" "server" {
  input = "web-server"
}

resource "terraform_data" "config" {
  input = "v1"
}
