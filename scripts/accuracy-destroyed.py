#!/usr/bin/env python3
"""Fill or check `[expect].destroyed` of testdata/accuracy/<scenario>/expect.toml.

`destroyed` is mechanical: the sorted addresses of plan.json's resource_changes
whose change.actions include "delete" (delete, delete+create, create+delete).
Everything else in expect.toml is a hand-written label and is only validated.

Usage:
  scripts/accuracy-destroyed.py [--check] [SCENARIO...]   # default: every scenario
  --check: write nothing; exit 1 when a destroyed list differs from plan.json
"""
import json
import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACC = os.path.join(ROOT, "testdata", "accuracy")
VERDICTS = {"pass", "warn", "fail"}
TOP_KEYS = {"description", "plan_args", "taint", "expect"}
EXPECT_KEYS = {"human", "agent", "destroyed", "data_loss", "quiet"}
LINE = re.compile(r"^destroyed = .*$", re.M)


def toml_list(xs):
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(q(x) for x in xs) + "]"


def destroyed_of(plan):
    out = set()
    for rc in plan.get("resource_changes") or []:
        if "delete" in rc["change"]["actions"]:
            out.add(rc["address"])
    return sorted(out)


def validate(name, exp):
    errs = []
    if set(exp) - TOP_KEYS:
        errs.append(f"unknown keys {sorted(set(exp) - TOP_KEYS)}")
    if not isinstance(exp.get("description"), str) or not exp["description"]:
        errs.append("description missing")
    for k in ("plan_args", "taint"):
        if k in exp and not all(isinstance(x, str) for x in exp[k]):
            errs.append(f"{k} must be a list of strings")
    e = exp.get("expect", {})
    if set(e) != EXPECT_KEYS:
        errs.append(f"[expect] keys {sorted(e)} != {sorted(EXPECT_KEYS)}")
    for k in ("human", "agent"):
        if e.get(k) not in VERDICTS:
            errs.append(f"[expect].{k} = {e.get(k)!r}")
    if not isinstance(e.get("quiet"), bool):
        errs.append("[expect].quiet must be a boolean")
    if e.get("quiet") and (e.get("human") != "pass" or e.get("agent") != "pass"):
        errs.append("quiet = true needs pass for both profiles")
    dl = e.get("data_loss", [])
    if dl != sorted(dl):
        errs.append("data_loss is not sorted")
    if not set(dl) <= set(e.get("destroyed", [])):
        errs.append(f"data_loss {dl} not within destroyed {e.get('destroyed')}")
    if dl and (e.get("human") != "fail" or e.get("agent") != "fail"):
        errs.append("data loss must fail both profiles")
    return [f"{name}: {m}" for m in errs]


def main(argv):
    check = "--check" in argv
    names = [a for a in argv if a != "--check"] or sorted(
        d for d in os.listdir(ACC) if os.path.isfile(os.path.join(ACC, d, "expect.toml")))
    errors, changed = [], 0
    for name in names:
        d = os.path.join(ACC, name)
        path = os.path.join(d, "expect.toml")
        text = open(path, encoding="utf-8").read()
        plan = json.load(open(os.path.join(d, "plan.json"), encoding="utf-8"))
        want = destroyed_of(plan)
        have = tomllib.loads(text).get("expect", {}).get("destroyed")
        if have != want:
            if check:
                errors.append(f"{name}: destroyed = {have} but plan.json deletes {want}")
            else:
                text, n = LINE.subn(lambda _m: f"destroyed = {toml_list(want)}", text, count=1)
                if n != 1:
                    errors.append(f"{name}: no `destroyed = ` line in expect.toml")
                    continue
                open(path, "w", encoding="utf-8").write(text)
                changed += 1
        errors += validate(name, tomllib.loads(open(path, encoding="utf-8").read()))
    for e in errors:
        print(f"accuracy-destroyed: {e}", file=sys.stderr)
    if not check:
        print(f"accuracy-destroyed: {len(names)} scenario(s), {changed} destroyed list(s) updated", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
