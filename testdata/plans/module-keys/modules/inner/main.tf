variable "name" {
  type = string
}

variable "value" {
  type = string
}

variable "rev" {
  type = string
}

variable "labels" {
  type = map(string)
}

resource "terraform_data" "rev" {
  triggers_replace = [var.rev]
  input            = var.name
}

resource "terraform_data" "item" {
  for_each = var.labels
  input = {
    name  = var.name
    label = each.value
    value = var.value
    rev   = terraform_data.rev.id
  }
  lifecycle {
    replace_triggered_by = [terraform_data.rev]
  }
}

output "id" {
  value = terraform_data.rev.id
}
