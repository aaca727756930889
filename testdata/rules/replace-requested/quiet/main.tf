# replace-requested/quiet, AFTER: config input v1->v2 (update), plain plan; server no-op.
resource "terraform_data" "server" {
  input = "web-server"
}

resource "terraform_data" "config" {
  input = "v2"
}
