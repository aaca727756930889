# index-shift/fires, BEFORE: one worker per name, keyed by list index (count).
variable "names" {
  type    = list(string)
  default = ["alpha", "bravo", "charlie", "delta"]
}

resource "terraform_data" "worker" {
  count = length(var.names)
  input = var.names[count.index]
}
