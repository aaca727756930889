# BEFORE: 10 terraform_data resources.

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

resource "terraform_data" "item_8" {
  input = "item_8"
}

resource "terraform_data" "item_9" {
  input = "item_9"
}
