#!/usr/bin/env python3
"""Writes a valid plan of a module holding N buckets, whose output lists
them all, and N root instances (count) whose configuration names that
output: each instance depends on every bucket, N x N dependencies from a
plan that lists 2N resources. Bucket 0 is deleted.

    scripts/gen-fan-in-plan.py 10000 > /tmp/fan.json
"""
import json, sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
m = int(sys.argv[2]) if len(sys.argv) > 2 else n
P = "registry.terraform.io/hashicorp/aws"
def res(addr, name, index=None, deps=None, t="aws_s3_bucket"):
    r = {"address": addr, "mode": "managed", "type": t, "name": name, "provider_name": P, "schema_version": 0, "values": {"id": addr.replace('"','')}, "sensitive_values": {}}
    if index is not None: r["index"] = index
    if deps: r["depends_on"] = deps
    return r
big = [res(f"module.big.aws_s3_bucket.b{j}", f"b{j}") for j in range(m)]
dep = [res(f"aws_instance.d[{i}]", "d", i, t="aws_instance") for i in range(n)]
changes = []
for r in big + dep:
    a = ["delete"] if r["address"] == "module.big.aws_s3_bucket.b0" else ["no-op"]
    c = {k: r[k] for k in ("address", "mode", "type", "name", "provider_name")}
    if "index" in r: c["index"] = r["index"]
    if r["address"].startswith("module."): c["module_address"] = "module.big"
    c["change"] = {"actions": a, "before": r["values"], "after": None if a == ["delete"] else r["values"], "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}
    if a == ["delete"]: c["action_reason"] = "delete_because_no_resource_config"
    changes.append(c)
cfg = {"root_module": {"resources": [{"address": "aws_instance.d", "mode": "managed", "type": "aws_instance", "name": "d", "provider_config_key": "aws", "schema_version": 0,
        "expressions": {"input": {"references": ["module.big.all", "module.big"]}}, "count_expression": {"constant_value": n}}],
       "module_calls": {"big": {"source": "./big", "module": {"outputs": {"all": {"expression": {"references": [f"aws_s3_bucket.b{j}" for j in range(m)]}}}, "resources": [{"address": f"aws_s3_bucket.b{j}", "mode": "managed", "type": "aws_s3_bucket", "name": f"b{j}", "provider_config_key": "aws", "schema_version": 0} for j in range(1, m)]}}}}}
planned = {"root_module": {"resources": [dict((k, v) for k, v in r.items()) for r in dep], "child_modules": [{"address": "module.big", "resources": big[1:]}]}}
plan = {"format_version": "1.2", "terraform_version": "1.11.4", "planned_values": planned, "resource_changes": changes, "configuration": cfg,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": {"resources": dep, "child_modules": [{"address": "module.big", "resources": big}]}}},
        "applyable": True, "complete": True, "errored": False}
json.dump(plan, sys.stdout)
