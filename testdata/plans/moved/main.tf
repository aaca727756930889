# After: the worker is renamed with a `moved` block, so Terraform keeps the
# object (a no-op with `previous_address`) instead of destroying and creating
# it. The new block is declared and the object stays in planned_values: what
# tells a real move from a delete disguised as one.
resource "terraform_data" "queue_worker" {
  input = "queue-worker"
}

moved {
  from = terraform_data.worker
  to   = terraform_data.queue_worker
}
