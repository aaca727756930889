#!/usr/bin/env python3
"""Writes a valid plan of N terraform_data resources in one dependency chain
(t0 <- t1 <- ... <- tN-1, each depending on the one before in prior_state),
with t0 deleted: the blast radius is the whole chain, N deep. The kept
resources are in planned_values, as Terraform writes them.

    scripts/gen-chain-plan.py 100000 > /tmp/chain.json
"""
import json
import sys


def state_resource(index: int) -> dict:
    """terraform_data.t<index> as planned_values and prior_state list it."""
    return {
        "address": f"terraform_data.t{index}",
        "mode": "managed",
        "type": "terraform_data",
        "name": f"t{index}",
        "provider_name": "terraform.io/builtin/terraform",
        "schema_version": 0,
        "values": {"id": f"id-{index}", "input": None},
        "sensitive_values": {},
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = sys.stdout
    out.write('{"format_version":"1.2","terraform_version":"1.11.4",')
    # Terraform writes every object a plan keeps in planned_values: all but t0.
    out.write('"planned_values":{"root_module":{"resources":[')
    for index in range(1, count):
        out.write(("," if index > 1 else "") + json.dumps(state_resource(index), separators=(",", ":")))
    out.write(']}},"resource_changes":[')
    for index in range(count):
        action = "delete" if index == 0 else "no-op"
        after = "null" if index == 0 else json.dumps({"id": f"id-{index}", "input": None})
        change = {
            "address": f"terraform_data.t{index}",
            "mode": "managed",
            "type": "terraform_data",
            "name": f"t{index}",
            "provider_name": "terraform.io/builtin/terraform",
        }
        text = json.dumps(change)[:-1]
        text += (',"change":{"actions":["%s"],"before":{"id":"id-%d","input":null},"after":%s}}'
                 % (action, index, after))
        out.write(("," if index else "") + text)
    out.write('],"prior_state":{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{"resources":[')
    for index in range(count):
        resource = state_resource(index)
        if index:
            resource["depends_on"] = [f"terraform_data.t{index - 1}"]
        out.write(("," if index else "") + json.dumps(resource, separators=(",", ":")))
    out.write("]}}}}\n")


main()
