#!/usr/bin/env python3
"""Writes a plan whose configuration has N module calls that all name each
other (each call's argument, count, for_each and depends_on reference every
other call), with a resource in each module reading the argument, and one
root resource replaced. Terraform refuses such a cycle; a hand-made plan can
hold one, and resolving references from every resource separately took time
as the fourth power of N (60 calls: 7 s).

    scripts/gen-module-mesh-plan.py 200 > /tmp/mesh.json
"""
import json
import sys

PROVIDER = "terraform.io/builtin/terraform"


def module_call(index: int, count: int) -> dict:
    others = [f"module.m{other}" for other in range(count) if other != index]
    return {
        "source": "./m",
        "expressions": {"v": {"references": others + ["terraform_data.r0"]}},
        "count_expression": {"references": others},
        "for_each_expression": {"references": [f"module.m{(index + 1) % count}.o"] + others},
        "depends_on": others,
        "module": {
            "outputs": {"o": {"expression": {"references": ["var.v"]}}},
            "variables": {"v": {}},
            "resources": [
                {
                    "address": "terraform_data.in",
                    "mode": "managed",
                    "type": "terraform_data",
                    "name": "in",
                    "provider_config_key": "terraform",
                    "expressions": {"input": {"references": ["var.v"]}},
                    "schema_version": 0,
                }
            ],
        },
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    values = {"id": "r0", "input": None, "output": None, "triggers_replace": None}
    state = {
        "address": "terraform_data.r0",
        "mode": "managed",
        "type": "terraform_data",
        "name": "r0",
        "provider_name": PROVIDER,
        "schema_version": 0,
        "values": values,
        "sensitive_values": {},
    }
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {"resources": [dict(state, values=dict(values, id=None))]}},
        "resource_changes": [
            {
                "address": "terraform_data.r0",
                "mode": "managed",
                "type": "terraform_data",
                "name": "r0",
                "provider_name": PROVIDER,
                "change": {
                    "actions": ["delete", "create"],
                    "before": values,
                    "after": dict(values, id=None),
                    "after_unknown": {"id": True},
                    "before_sensitive": {},
                    "after_sensitive": {},
                },
                "action_reason": "replace_because_cannot_update",
            }
        ],
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.11.4",
            "values": {"root_module": {"resources": [state]}},
        },
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        "address": "terraform_data.r0",
                        "mode": "managed",
                        "type": "terraform_data",
                        "name": "r0",
                        "provider_config_key": "terraform",
                        "schema_version": 0,
                        "expressions": {"input": {"constant_value": "x"}},
                    }
                ],
                "module_calls": {f"m{index}": module_call(index, count) for index in range(count)},
            }
        },
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    json.dump(plan, sys.stdout)
    sys.stdout.write("\n")


main()
