# The module the root terraform_data.x was moved into.
resource "terraform_data" "x" {
  input = "moved-into-module"
}
