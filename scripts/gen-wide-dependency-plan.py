#!/usr/bin/env python3
"""Writes a valid plan of N subnets and N instances where every instance
depends on the whole `aws_subnet.s` (a reference without an index, and the
`depends_on` Terraform records for it), and subnet 0 is replaced: N x N
instance-level dependencies, the shape that made the graph quadratic.

    scripts/gen-wide-dependency-plan.py 10000 > /tmp/wide.json
"""
import json
import sys

PROVIDER = "registry.terraform.io/hashicorp/aws"


def state_resource(kind: str, name: str, index: int, depends_on=None) -> dict:
    resource = {
        "address": f"{kind}.{name}[{index}]",
        "mode": "managed",
        "type": kind,
        "name": name,
        "index": index,
        "provider_name": PROVIDER,
        "schema_version": 0,
        "values": {"id": f"{name}-{index}"},
        "sensitive_values": {},
    }
    if depends_on:
        resource["depends_on"] = depends_on
    return resource


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    prior = [state_resource("aws_subnet", "s", index) for index in range(count)]
    prior += [state_resource("aws_instance", "w", index, ["aws_subnet.s"]) for index in range(count)]
    changes = []
    for resource in prior:
        replaced = resource["type"] == "aws_subnet" and resource["index"] == 0
        change = {key: resource[key] for key in ("address", "mode", "type", "name", "index", "provider_name")}
        change["change"] = {
            "actions": ["delete", "create"] if replaced else ["no-op"],
            "before": resource["values"],
            "after": resource["values"],
            "after_unknown": {},
            "before_sensitive": {},
            "after_sensitive": {},
        }
        if replaced:
            change["action_reason"] = "replace_because_cannot_update"
        changes.append(change)
    planned = [{key: value for key, value in resource.items() if key != "depends_on"} for resource in prior]
    configuration = {"root_module": {"resources": [
        {"address": "aws_subnet.s", "mode": "managed", "type": "aws_subnet", "name": "s",
         "provider_config_key": "aws", "schema_version": 0,
         "count_expression": {"constant_value": count}},
        {"address": "aws_instance.w", "mode": "managed", "type": "aws_instance", "name": "w",
         "provider_config_key": "aws", "schema_version": 0,
         "expressions": {"subnet_ids": {"references": ["aws_subnet.s"]}},
         "count_expression": {"constant_value": count}},
    ]}}
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": configuration,
        "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4",
                        "values": {"root_module": {"resources": prior}}},
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    json.dump(plan, sys.stdout)


main()
