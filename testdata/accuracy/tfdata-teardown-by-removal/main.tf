# AFTER: 6 of 8 removed from the configuration.

resource "terraform_data" "dns" {
  input = "dns"
}

resource "terraform_data" "cdn" {
  input = "cdn"
}
