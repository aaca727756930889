# refactor-without-moved/quiet, AFTER: the same refactor WITH moved blocks:
# every instance keeps its object (no-op with previous_address).
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

moved {
  from = terraform_data.old
  to   = terraform_data.renamed
}

moved {
  from = terraform_data.x
  to   = module.app.terraform_data.x
}

moved {
  from = terraform_data.c[0]
  to   = terraform_data.c["a"]
}

moved {
  from = terraform_data.c[1]
  to   = terraform_data.c["b"]
}
