# refactor-without-moved/quiet, BEFORE: the layout before the refactor.
resource "terraform_data" "old" {
  input = "payload"
}

resource "terraform_data" "x" {
  input = "moved-into-module"
}

resource "terraform_data" "c" {
  count = 2
  input = ["a", "b"][count.index]
}
