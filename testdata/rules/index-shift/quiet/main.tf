# index-shift/quiet, AFTER: "bravo" is removed; only worker["bravo"] is deleted
# (delete_because_each_key), the others stay no-op.
variable "names" {
  type    = list(string)
  default = ["alpha", "charlie", "delta"]
}

resource "terraform_data" "worker" {
  for_each = toset(var.names)
  input    = each.key
}
