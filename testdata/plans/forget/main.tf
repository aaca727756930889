# After: the legacy block is removed with `destroy = false`, so Terraform
# forgets both instances (actions ["forget"]) and leaves them running.
resource "terraform_data" "keep" {
  input = "kept"
}

removed {
  from = terraform_data.legacy

  lifecycle {
    destroy = false
  }
}
