# replace-requested/fires, AFTER: config input v1->v2 (update); planned with
# `-replace=terraform_data.server`: delete,create with replace_by_request.
resource "terraform_data" "server" {
  input = "web-server"
}

resource "terraform_data" "config" {
  input = "v2"
}
