# module-keys, AFTER (applied before: before/main.tf):
#   module.outer["gone group"]                         removed -> delete_because_no_module
#   module.outer["plain"].module.inner["with space"]   removed -> delete_because_no_module
#   ...inner["say \"hi\""]...item["br[0]ack"]          removed -> delete_because_each_key
#   module.outer["dot.ted"].module.inner["back\\slash"] value changed -> update
#   module.outer["ünïcode ✓"]...inner["zero\u200Bwidth"] rev changed: its
#     terraform_data.rev is replaced (triggers_replace: replace_because_cannot_update)
#     and its items follow (lifecycle.replace_triggered_by: replace_by_triggers)
locals {
  groups = {
    "plain" = {
      "say \"hi\"" = { value = "v1", rev = "r1", labels = { "x" = "ex", "a<b>&c" = "html-ish", "dot.ted" = "dotted" } }
    }
    "dot.ted" = {
      "back\\slash" = { value = "v2", rev = "r1", labels = { "x" = "ex", "ünïcode ✓" = "uni" } }
    }
    "ünïcode ✓" = {
      "zero\u200Bwidth" = { value = "v1", rev = "r2", labels = { "x" = "ex" } }
      "rtl\u202Egnp.exe" = { value = "v1", rev = "r1", labels = { "x" = "ex" } }
    }
  }
}

module "outer" {
  source   = "./modules/outer"
  for_each = local.groups
  group    = each.key
  items    = each.value
}

output "ids" {
  value = { for k, m in module.outer : k => m.ids }
}
