# After: web gains a dependency on the queue and nothing else changes. A
# refresh-only plan records the new dependency in the refreshed state, so
# Terraform marks it applyable with no change, no drift and no output change
# listed (Terraform 1.11).
resource "terraform_data" "database" {
  input = "db"
}

resource "terraform_data" "queue" {
  input      = "queue"
  depends_on = [terraform_data.database]
}

resource "terraform_data" "web" {
  input      = "web"
  depends_on = [terraform_data.queue]
}
