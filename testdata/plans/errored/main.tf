# errored, AFTER (applied before: before/main.tf). replicas drops to 1, which
# a lifecycle precondition forbids, so `terraform plan -out` fails (exit 1)
# yet still writes a plan file whose JSON says "errored": true. The plan also
# deletes terraform_data.legacy and two replicas.
variable "replicas" {
  type    = number
  default = 1
}

resource "terraform_data" "cluster" {
  input = { replicas = var.replicas }
  lifecycle {
    precondition {
      condition     = var.replicas >= 2
      error_message = "The cluster needs at least 2 replicas."
    }
  }
}

resource "terraform_data" "replica" {
  count = var.replicas
  input = "replica-${count.index}"
}

check "replica_count" {
  assert {
    condition     = var.replicas >= 3
    error_message = "Fewer than 3 replicas (check block: a warning only)."
  }
}
