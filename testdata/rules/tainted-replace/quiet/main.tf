# tainted-replace/quiet, AFTER: config input v1->v2 (update); server no-op.
resource "terraform_data" "server" {
  input = "web-server"
}

resource "terraform_data" "config" {
  input = "v2"
}
