# tainted-replace/fires, AFTER: config input v1->v2 (update); server was tainted
# after the apply: delete,create with replace_because_tainted.
resource "terraform_data" "server" {
  input = "web-server"
}

resource "terraform_data" "config" {
  input = "v2"
}
