# prior-state, BEFORE: terraform_data resources that the after configuration
# changes in every way Terraform can (see ../main.tf).
variable "api_token" {
  type      = string
  sensitive = true
  default   = "s3cr3t-should-never-print"
}

resource "terraform_data" "config" {
  input = {
    version = "v1"
    token   = var.api_token
  }
}

resource "terraform_data" "bootstrap" {
  triggers_replace = ["rev-1"]
  input            = "bootstrap"
}

resource "terraform_data" "follower" {
  input = "replaced whenever bootstrap is"
  lifecycle {
    replace_triggered_by = [terraform_data.bootstrap]
  }
}

resource "terraform_data" "stable" {
  input = "stable"
}

resource "terraform_data" "fragile" {
  input = "fragile"
}

resource "terraform_data" "worker" {
  count      = 3
  input      = "worker-${count.index}-${terraform_data.config.output.version}"
  depends_on = [terraform_data.bootstrap]
}

resource "terraform_data" "old_name" {
  input = "moved-me"
}

resource "terraform_data" "kept_outside" {
  input = "forget me, do not destroy me"
}

resource "terraform_data" "cbd" {
  triggers_replace = ["rev-1"]
  input            = "create-before-destroy"
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "gone" {
  input = "deleted by removing its block"
}

output "config_version" {
  value = terraform_data.config.output.version
}
