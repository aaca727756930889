# index-shift/quiet, BEFORE: one worker per name, keyed by name (for_each over a set).
variable "names" {
  type    = list(string)
  default = ["alpha", "bravo", "charlie", "delta"]
}

resource "terraform_data" "worker" {
  for_each = toset(var.names)
  input    = each.key
}
