# no-changes: applied as is, then planned again: every action is no-op.
# (No before/ directory: the "before" configuration is this one.)
resource "terraform_data" "base" {
  input = "alpha"
}

resource "terraform_data" "config" {
  input = {
    name     = "beta"
    upstream = terraform_data.base.output
  }
}

resource "terraform_data" "worker" {
  count      = 2
  input      = "worker-${count.index}"
  depends_on = [terraform_data.config]
}

output "config" {
  value = terraform_data.config.output
}
