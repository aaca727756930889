# index-shift/fires, AFTER: "bravo" is removed from the middle of the list: every
# later index shifts (worker[1], worker[2] update to another name) and the last
# index goes (worker[3] delete_because_count_index).
variable "names" {
  type    = list(string)
  default = ["alpha", "charlie", "delta"]
}

resource "terraform_data" "worker" {
  count = length(var.names)
  input = var.names[count.index]
}
