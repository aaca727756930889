# Before: a queue worker under its first name.
resource "terraform_data" "worker" {
  input = "queue-worker"
}
