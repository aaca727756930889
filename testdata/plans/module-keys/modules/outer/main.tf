variable "group" {
  type = string
}

variable "items" {
  type = map(object({
    value  = string
    rev    = string
    labels = map(string)
  }))
}

module "inner" {
  source   = "../inner"
  for_each = var.items
  name     = "${var.group}/${each.key}"
  value    = each.value.value
  rev      = each.value.rev
  labels   = each.value.labels
}

output "ids" {
  value = { for k, m in module.inner : k => m.id }
}
