# prior-state, AFTER. Applied before: before/main.tf. The script also runs
# `terraform taint terraform_data.fragile` and plans with
# `-replace=terraform_data.stable`, so the plan holds:
#   config       update            (version v1 -> v2; input carries a sensitive value)
#   bootstrap    delete,create     replace_because_cannot_update (triggers_replace changed)
#   follower     delete,create     replace_by_triggers (lifecycle.replace_triggered_by)
#   stable       delete,create     replace_by_request
#   fragile      delete,create     replace_because_tainted
#   worker[2]    delete            delete_because_count_index
#   new_name     no-op             previous_address = terraform_data.old_name (moved)
#   worker[0,1]  update            (input depends on config.output.version)
#   kept_outside forget            (removed block, destroy = false)
#   cbd          create,delete     replace_because_cannot_update, create_before_destroy
#   gone         delete            delete_because_no_resource_config
#   fresh        create
variable "api_token" {
  type      = string
  sensitive = true
  default   = "s3cr3t-should-never-print"
}

resource "terraform_data" "config" {
  input = {
    version = "v2"
    token   = var.api_token
  }
}

resource "terraform_data" "bootstrap" {
  triggers_replace = ["rev-2"]
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
  count      = 2
  input      = "worker-${count.index}-${terraform_data.config.output.version}"
  depends_on = [terraform_data.bootstrap]
}

moved {
  from = terraform_data.old_name
  to   = terraform_data.new_name
}

resource "terraform_data" "new_name" {
  input = "moved-me"
}

removed {
  from = terraform_data.kept_outside
  lifecycle {
    destroy = false
  }
}

resource "terraform_data" "cbd" {
  triggers_replace = ["rev-2"]
  input            = "create-before-destroy"
  lifecycle {
    create_before_destroy = true
  }
}

resource "terraform_data" "fresh" {
  input = "created by this plan"
}

output "config_version" {
  value = terraform_data.config.output.version
}
