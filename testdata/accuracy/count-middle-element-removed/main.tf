# AFTER: "b" taken out of the list: workers 1-4 take their successors' names, worker 5 is deleted.

variable "workers" {
  default = ["a", "c", "d", "e", "f"]
}

resource "terraform_data" "worker" {
  count = length(var.workers)
  input = {
    name = var.workers[count.index]
  }
}

resource "terraform_data" "item_0" {
  input = "item_0"
}

resource "terraform_data" "item_1" {
  input = "item_1"
}

resource "terraform_data" "item_2" {
  input = "item_2"
}

resource "terraform_data" "item_3" {
  input = "item_3"
}

resource "terraform_data" "item_4" {
  input = "item_4"
}

resource "terraform_data" "item_5" {
  input = "item_5"
}

resource "terraform_data" "item_6" {
  input = "item_6"
}

resource "terraform_data" "item_7" {
  input = "item_7"
}
