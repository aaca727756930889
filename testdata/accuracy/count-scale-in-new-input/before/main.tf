# BEFORE: 6 workers from a count, and 8 other resources.

resource "terraform_data" "worker" {
  count = 6
  input = {
    name  = "worker-${count.index}"
    image = "v1"
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
