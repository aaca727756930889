# forget-from-state/quiet, BEFORE: two resources.
resource "terraform_data" "legacy_dns" {
  input = "legacy.example.internal"
}

resource "terraform_data" "app" {
  input = "v1"
}
