# forget-from-state/quiet, AFTER: nothing removed; app v1->v2 (update), legacy_dns no-op.
resource "terraform_data" "legacy_dns" {
  input = "legacy.example.internal"
}

resource "terraform_data" "app" {
  input = "v2"
}
