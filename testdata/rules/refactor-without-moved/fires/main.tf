# refactor-without-moved/fires, AFTER: terraform_data.old renamed to .renamed,
# terraform_data.x moved into module.app, terraform_data.c converted from count
# to for_each (c[0] -> c["a"], c[1] -> c["b"]), all WITHOUT moved blocks:
# each old address is deleted and an identical resource created at the new one.
resource "terraform_data" "renamed" {
  input = "payload"
}

module "app" {
  source = "./modules/app"
}

resource "terraform_data" "c" {
  for_each = toset(["a", "b"])
  input    = each.key
}
