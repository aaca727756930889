# targeted, AFTER (applied before: before/main.tf), planned with
# `terraform plan -target=terraform_data.app`: only app (update) and what it
# depends on are planned. The removal of terraform_data.database and the
# count shrink of terraform_data.cache are silently left out of the plan,
# which says "complete": false.
resource "terraform_data" "network" {
  input = "net-v1"
}

resource "terraform_data" "app" {
  input = { version = "v2", network = terraform_data.network.output }
}

resource "terraform_data" "cache" {
  count = 1
  input = "cache-${count.index}"
}
