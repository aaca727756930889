# AFTER: the image is replaced (triggers_replace v1 -> v2) and a new
# container is built on it, which the existing web and worker now use. The
# container does not exist yet, so it is not disrupted itself; the chain
# from the image through it is in the configuration's references (the
# refreshed state's depends_on of web and worker names both directly).

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
