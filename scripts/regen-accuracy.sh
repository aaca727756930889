#!/usr/bin/env bash
# Regenerate testdata/accuracy/ (real plans with hand-labelled expectations)
# with the real terraform binary, offline.
#
# Usage (from anywhere; paths are resolved from this file):
#   scripts/regen-accuracy.sh                          # every scenario
#   scripts/regen-accuracy.sh db-delete-protected lb-replace   # only these
#   JOBS=1 KEEP_WORK=1 scripts/regen-accuracy.sh       # sequential, keep temp dirs
#
# A scenario is testdata/accuracy/<scenario>/ holding main.tf (the "after"
# configuration that is planned), before/main.tf when the applied configuration
# differs, modules/ where used, an optional oob.py (boto3, run against moto
# after the apply and before the plan: an out-of-band change) and expect.toml
# (labels; its optional `plan_args` and `taint` drive the plan). In a fresh
# temporary directory the script applies the before configuration, runs
# `terraform taint` for each `taint` address, runs oob.py, swaps in the after
# configuration, runs `terraform plan -out plan.out <plan_args>` and writes
#   terraform show -json plan.out > <scenario>/plan.json   (bytes as terraform wrote them)
# then fills expect.toml's `destroyed` from the plan (scripts/accuracy-destroyed.py)
# and validates every expect.toml. The other labels are hand-written truth.
#
# AWS resources are applied against a private moto server on 127.0.0.1 started
# through ../shared/tools/sandbox/sandbox.sh (and stopped on exit); scenarios
# that use only terraform_data need no provider at all. All scenarios share one
# moto server, so every scenario uses names of its own.
# Needs: terraform (1.11.x; the version is checked), python3 (>= 3.11), bash 5.
# The same approach as scripts/regen-rule-fixtures.sh.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Read by scripts/lib/regen.sh (sandbox_start, sandbox_stop).
SANDBOX_SH="$(cd "$ROOT/../shared/tools/sandbox" && pwd)/sandbox.sh"
export SANDBOX_SH
ACC="$ROOT/testdata/accuracy"
EXPECTED_TF_VERSION="${EXPECTED_TF_VERSION:-1.11.4}"
MAX_PLAN_BYTES=150000

log() { printf '[accuracy %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=scripts/lib/regen.sh disable=SC1091
source "$ROOT/scripts/lib/regen.sh"
require_terraform "$EXPECTED_TF_VERSION"
python3 -c 'import tomllib' 2>/dev/null || die "python3 >= 3.11 (tomllib) needed"

SCENARIOS=()
if [ "$#" -gt 0 ]; then
  SCENARIOS=("$@")
else
  for d in "$ACC"/*/; do
    d="${d%/}"
    if [ -f "$d/expect.toml" ]; then SCENARIOS+=("${d##*/}"); fi
  done
fi
[ "${#SCENARIOS[@]}" -gt 0 ] || die "no scenarios in $ACC"
for s in "${SCENARIOS[@]}"; do
  [ -f "$ACC/$s/expect.toml" ] || die "unknown scenario: $s (no $ACC/$s/expect.toml)"
  [ -f "$ACC/$s/main.tf" ] || die "$s: no main.tf"
done

# (grep on the files, not `cat | grep -q`: with pipefail, cat's SIGPIPE would
# make the answer racy.)
uses() { grep -qs "$2" "$ACC/$1"/*.tf "$ACC/$1"/before/*.tf; }
is_aws() { uses "$1" 'hashicorp/aws'; }

# expect_list SCENARIO KEY: the strings of the top-level list KEY of expect.toml,
# one per line (plan_args, taint).
expect_list() {
  python3 - "$ACC/$1/expect.toml" "$2" <<'PY'
import sys, tomllib
for x in tomllib.load(open(sys.argv[1], "rb")).get(sys.argv[2], []):
    assert "\n" not in x
    print(x)
PY
}

regen_begin accuracy


scrub_terraform_env

need_aws=0
for s in "${SCENARIOS[@]}"; do
  if is_aws "$s" || [ -f "$ACC/$s/oob.py" ]; then need_aws=1; fi
done
if [ "$need_aws" = 1 ]; then
  sandbox_start
else
  without_provider
fi

# ---------------------------------------------------------------- helpers

workdir() { printf '%s/%s' "$WORK" "$1"; }

# prepare SCENARIO: fresh work dir with the before configuration applied.
prepare() {
  local s="$1" src="$ACC/$1" w; w="$(workdir "$1")"
  rm -rf "$w"; mkdir -p "$w"
  if [ -d "$src/before" ]; then stage "$w" "$src/before"; else stage "$w" "$src"; fi
  if [ -d "$src/modules" ]; then cp -R "$src/modules" "$w/modules"; fi
  tfq "$w" init.log init -input=false -no-color
  tfq "$w" apply-before.log apply -input=false -no-color -auto-approve
}

# taint SCENARIO: `terraform taint` every address of expect.toml's `taint`.
taint() {
  local w a; w="$(workdir "$1")"
  while IFS= read -r a; do
    tfq "$w" taint.log taint -no-color "$a"
  done < <(expect_list "$1" taint)
}

# oob SCENARIO: run the scenario's oob.py with boto3 against moto.
oob() {
  local w; w="$(workdir "$1")"
  [ -f "$ACC/$1/oob.py" ] || return 0
  "$PY" "$ACC/$1/oob.py" >"$w/oob.log" 2>&1 || { cat "$w/oob.log" >&2; die "$1: oob.py failed"; }
}

# switch_to_after SCENARIO: put the after configuration in place.
switch_to_after() {
  local w; w="$(workdir "$1")"
  stage "$w" "$ACC/$1"
  tfq "$w" init-after.log init -input=false -no-color
}

# plan SCENARIO: terraform plan -out plan.out <plan_args>, then write plan.json.
plan() {
  local s="$1" w rc=0 size args=(); w="$(workdir "$1")"
  mapfile -t args < <(expect_list "$s" plan_args)
  (cd "$w" && terraform plan -input=false -no-color -out=plan.out "${args[@]}") >"$w/plan.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$w/plan.log" >&2
    die "$s: terraform plan ${args[*]} exited $rc"
  fi
  [ -s "$w/plan.out" ] || die "$s: no plan file written"
  (cd "$w" && terraform show -json plan.out) >"$w/plan.json"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$w/plan.json" || die "$s: plan.json is not JSON"
  size="$(wc -c <"$w/plan.json")"
  [ "$size" -lt "$MAX_PLAN_BYTES" ] || die "$s: plan.json is $size bytes (limit $MAX_PLAN_BYTES)"
  cp "$w/plan.json" "$ACC/$s/plan.json"
  log "$s: $(grep -E '^(Plan:|No changes)' "$w/plan.log" | head -n1 || true) ($size bytes)"
}

run_scenario() {
  local s="$1" t0=$SECONDS
  log "scenario $s"
  prepare "$s"
  taint "$s"
  oob "$s"
  switch_to_after "$s"
  plan "$s"
  log "scenario $s done in $((SECONDS - t0))s"
}

# All scenarios run as background jobs, at most JOBS at a time (default 8; the
# RDS ones spend ~80 s in provider waiters), each logging to its own file; the
# slow AWS ones are started first. JOBS=1 runs everything in sequence.
ORDERED=()
for s in "${SCENARIOS[@]}"; do if uses "$s" 'aws_db_instance\|aws_elasticache'; then ORDERED+=("$s"); fi; done
for s in "${SCENARIOS[@]}"; do if is_aws "$s" && ! uses "$s" 'aws_db_instance\|aws_elasticache'; then ORDERED+=("$s"); fi; done
for s in "${SCENARIOS[@]}"; do if ! is_aws "$s"; then ORDERED+=("$s"); fi; done

run_all run_scenario scenario "${ORDERED[@]}"

# `destroyed` comes from the plan; the rest of expect.toml is validated.
python3 "$ROOT/scripts/accuracy-destroyed.py" "${SCENARIOS[@]}"

# A summary: per scenario, (address, actions, action_reason).
python3 - "$ACC" "${SCENARIOS[@]}" <<'PY' >&2
import json, os, sys
for s in sys.argv[2:]:
    d = json.load(open(os.path.join(sys.argv[1], s, "plan.json")))
    rc = [r for r in d.get("resource_changes") or [] if r["change"]["actions"] != ["no-op"]]
    print(f"  {s}: complete={d.get('complete')} errored={d.get('errored')} drift={len(d.get('resource_drift') or [])}")
    for r in rc:
        print(f"      {r['address']} {'+'.join(r['change']['actions'])}"
              + (f" ({r['action_reason']})" if r.get("action_reason") else ""))
PY
log "all done in $((SECONDS - START_SECONDS))s"
