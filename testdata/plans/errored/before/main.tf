# errored, BEFORE: a small terraform_data deployment.
variable "replicas" {
  type    = number
  default = 3
}

resource "terraform_data" "cluster" {
  input = { replicas = var.replicas }
}

resource "terraform_data" "replica" {
  count = var.replicas
  input = "replica-${count.index}"
}

resource "terraform_data" "legacy" {
  input = "legacy"
}
