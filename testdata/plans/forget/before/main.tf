# Before: three terraform_data, two of them under count.
resource "terraform_data" "keep" {
  input = "kept"
}

resource "terraform_data" "legacy" {
  count = 2
  input = "legacy-${count.index}"
}
