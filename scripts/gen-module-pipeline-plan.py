#!/usr/bin/env python3
"""scripts/gen-module-pipeline-plan.py K > plan.json: K sibling root module calls m0..m{K-1}; each module holds
terraform_data.r (input = var.in) and output o = [r.id, var.in]; call m_i
passes in = module.m{i+1}.o. Every output accumulates all outputs after it
(a pipeline of modules each handing on what it got plus its own), so the
reference resolution's answers total K^2/2 targets. The last r is deleted."""
import sys
k = int(sys.argv[1])
P = "terraform.io/builtin/terraform"
w = sys.stdout.write
def st(i): return '{"address":"module.m%d.terraform_data.r","mode":"managed","type":"terraform_data","name":"r","provider_name":"%s","schema_version":0,"values":{"id":"id-%d","input":"v"},"sensitive_values":{}}' % (i, P, i)
def mod(i, res): return '{"address":"module.m%d","resources":[%s]}' % (i, res)
w('{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"root_module":{"child_modules":[')
w(",".join(mod(i, st(i)) for i in range(k - 1)))
w(']}},"resource_changes":[')
w(",".join('{"address":"module.m%d.terraform_data.r","module_address":"module.m%d","mode":"managed","type":"terraform_data","name":"r","provider_name":"%s","change":{"actions":["%s"],"before":{"id":"id-%d","input":"v"},"after":%s,"after_unknown":{},"before_sensitive":{},"after_sensitive":%s}%s}' % (i, i, P, "delete" if i == k - 1 else "no-op", i, "null" if i == k - 1 else '{"id":"id-%d","input":"v"}' % i, "false" if i == k - 1 else "{}", ',"action_reason":"delete_because_no_resource_config"' if i == k - 1 else "") for i in range(k)))
w('],"prior_state":{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{"child_modules":[')
w(",".join(mod(i, st(i)) for i in range(k)))
w(']}}},"configuration":{"root_module":{"module_calls":{')
def call(i):
    expr = ('{"in":{"references":["module.m%d.o","module.m%d"]}}' % (i + 1, i + 1)) if i < k - 1 else '{}'
    res = '' if i == k - 1 else '{"address":"terraform_data.r","mode":"managed","type":"terraform_data","name":"r","provider_config_key":"terraform","schema_version":0,"expressions":{"input":{"references":["var.in"]}}}'
    return '"m%d":{"source":"./m","expressions":%s,"module":{"outputs":{"o":{"expression":{"references":["terraform_data.r.id","terraform_data.r","var.in"]}}},"resources":[%s],"variables":{"in":{"default":null}}}}' % (i, expr, res)
w(",".join(call(i) for i in range(k)))
w('}}},"applyable":true,"complete":true,"errored":false}\n')
