#!/usr/bin/env python3
"""Writes a valid plan of N root buckets and a module of N instances
(for_each), each holding one instance whose configuration names all the
buckets through a variable the module call passes in: N x N dependencies
from a plan of 2N resources. Bucket 0 is deleted.

    scripts/gen-module-fan-in-plan.py 10000 > /tmp/module-fan.json
"""
import json, sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
m = int(sys.argv[2]) if len(sys.argv) > 2 else n
P = "registry.terraform.io/hashicorp/aws"
def res(addr, name, t, index=None):
    r = {"address": addr, "mode": "managed", "type": t, "name": name, "provider_name": P, "schema_version": 0, "values": {"id": addr.replace('"','')}, "sensitive_values": {}}
    if index is not None: r["index"] = index
    return r
roots = [res(f"aws_s3_bucket.b{j}", f"b{j}", "aws_s3_bucket") for j in range(m)]
children = [{"address": f'module.m["k{k}"]', "resources": [res(f'module.m["k{k}"].aws_instance.d', "d", "aws_instance")]} for k in range(n)]
changes = []
for r in roots + [c["resources"][0] for c in children]:
    a = ["delete"] if r["address"] == "aws_s3_bucket.b0" else ["no-op"]
    c = {k: r[k] for k in ("address", "mode", "type", "name", "provider_name")}
    if r["address"].startswith("module."): c["module_address"] = r["address"].rsplit(".aws_instance", 1)[0]
    c["change"] = {"actions": a, "before": r["values"], "after": None if a == ["delete"] else r["values"], "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}
    if a == ["delete"]: c["action_reason"] = "delete_because_no_resource_config"
    changes.append(c)
cfg = {"root_module": {"resources": [{"address": f"aws_s3_bucket.b{j}", "mode": "managed", "type": "aws_s3_bucket", "name": f"b{j}", "provider_config_key": "aws", "schema_version": 0} for j in range(1, m)],
       "module_calls": {"m": {"source": "./m", "for_each_expression": {"references": ["var.keys"]},
          "expressions": {"ids": {"references": [f"aws_s3_bucket.b{j}.id" for j in range(m)] + [f"aws_s3_bucket.b{j}" for j in range(m)]}},
          "module": {"variables": {"ids": {}}, "resources": [{"address": "aws_instance.d", "mode": "managed", "type": "aws_instance", "name": "d", "provider_config_key": "aws", "schema_version": 0, "expressions": {"input": {"references": ["var.ids"]}}}]}}}}}
planned = {"root_module": {"resources": roots[1:], "child_modules": children}}
plan = {"format_version": "1.2", "terraform_version": "1.11.4", "planned_values": planned, "resource_changes": changes, "configuration": cfg,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {"resources": roots, "child_modules": children}}},
        "applyable": True, "complete": True, "errored": False}
json.dump(plan, sys.stdout)
