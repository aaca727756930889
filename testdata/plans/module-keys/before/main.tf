# module-keys, BEFORE: module.outer[for_each] -> module.inner[for_each] ->
# terraform_data.item[for_each], with keys holding quotes, backslashes, dots,
# brackets, spaces, <>&, unicode, U+202E (right-to-left override) and U+200B
# (zero-width space).  HCL escapes: \" \\ \uNNNN.
locals {
  groups = {
    "plain" = {
      "say \"hi\"" = { value = "v1", rev = "r1", labels = { "x" = "ex", "a<b>&c" = "html-ish", "br[0]ack" = "bracketed", "dot.ted" = "dotted" } }
      "with space" = { value = "v1", rev = "r1", labels = { "x" = "ex" } }
    }
    "dot.ted" = {
      "back\\slash" = { value = "v1", rev = "r1", labels = { "x" = "ex", "ünïcode ✓" = "uni" } }
    }
    "ünïcode ✓" = {
      "zero\u200Bwidth" = { value = "v1", rev = "r1", labels = { "x" = "ex" } }
      "rtl\u202Egnp.exe" = { value = "v1", rev = "r1", labels = { "x" = "ex" } }
    }
    "gone group" = {
      "only" = { value = "v1", rev = "r1", labels = { "x" = "ex", "y" = "why" } }
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
