#!/usr/bin/env python3
"""Writes a valid plan of a module with N instances (for_each), each holding
one subnet, and N root instances that each depend on the module's subnet as
a whole (the module's output, and the depends_on Terraform records for it);
one module instance is removed. N x N instance-level dependencies across
module instances.

    scripts/gen-module-spread-plan.py 10000 > /tmp/spread.json
"""
import json, sys
n = int(sys.argv[1])
P = "registry.terraform.io/hashicorp/aws"
def res(addr, t, name, values, module=None, index=None, deps=None):
    r = {"address": addr, "mode": "managed", "type": t, "name": name, "provider_name": P, "schema_version": 0, "values": values, "sensitive_values": {}}
    if index is not None: r["index"] = index
    if deps: r["depends_on"] = deps
    return r
children = []
for k in range(n):
    ma = f'module.m["k{k}"]'
    children.append({"address": ma, "resources": [res(f'{ma}.aws_subnet.s', "aws_subnet", "s", {"id": f"subnet-{k:08d}"})]})
root = [res(f"aws_instance.w[{i}]", "aws_instance", "w", {"id": f"i-{i:08d}"}, index=i, deps=["module.m.aws_subnet.s"]) for i in range(n)]
allres = [c["resources"][0] for c in children] + root
changes = []
for r in allres:
    a = ["delete"] if r["address"] == 'module.m["k0"].aws_subnet.s' else ["no-op"]
    c = {k: r[k] for k in ("address", "mode", "type", "name", "provider_name") }
    if "index" in r: c["index"] = r["index"]
    if r["address"].startswith("module."): c["module_address"] = r["address"].rsplit(".aws_subnet", 1)[0]
    c["change"] = {"actions": a, "before": r["values"], "after": None if a == ["delete"] else r["values"], "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}
    if a == ["delete"]: c["action_reason"] = "delete_because_no_module"
    changes.append(c)
cfg = {"root_module": {"resources": [{"address": "aws_instance.w", "mode": "managed", "type": "aws_instance", "name": "w", "provider_config_key": "aws", "schema_version": 0,
        "expressions": {"subnet_id": {"references": ["module.m"]}}, "count_expression": {"constant_value": n}}],
       "module_calls": {"m": {"source": "./m", "for_each_expression": {"references": ["var.keys"]},
          "module": {"outputs": {"id": {"expression": {"references": ["aws_subnet.s.id", "aws_subnet.s"]}}},
                     "resources": [{"address": "aws_subnet.s", "mode": "managed", "type": "aws_subnet", "name": "s", "provider_config_key": "aws", "schema_version": 0}]}}}}}
planned = {"root_module": {"resources": [dict((k, v) for k, v in r.items() if k != "depends_on") for r in root],
                           "child_modules": [{"address": c["address"], "resources": [c["resources"][0]]} for c in children[1:]]}}
plan = {"format_version": "1.2", "terraform_version": "1.11.4", "planned_values": planned, "resource_changes": changes, "configuration": cfg,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {"resources": root, "child_modules": children}}},
        "applyable": True, "complete": True, "errored": False}
json.dump(plan, sys.stdout)
