# forget-from-state/fires, AFTER: a removed block with destroy = false takes
# legacy_dns out of the state without destroying it (forget); app v1->v2.
removed {
  from = terraform_data.legacy_dns
  lifecycle {
    destroy = false
  }
}

resource "terraform_data" "app" {
  input = "v2"
}
