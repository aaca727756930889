# AFTER: the image is replaced (triggers_replace v1 -> v2) and a new
# container is built on it, which the existing web and worker now use. The
# container does not exist yet, so it is not disrupted itself, and the
# state has no record of it: only the configuration's references lead from
# the image, through the container, to the web and worker it disrupts.

resource "terraform_data" "image" {
  triggers_replace = "v2"
}

resource "terraform_data" "container" {
  input = terraform_data.image.id
}

resource "terraform_data" "web" {
  input = terraform_data.container.id
}

resource "terraform_data" "worker" {
  input = terraform_data.container.id
}

resource "terraform_data" "network" {
  input = "network"
}
