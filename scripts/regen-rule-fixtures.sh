#!/usr/bin/env bash
# Regenerate testdata/rules/ (one firing and one quiet plan per risk rule) with
# the real terraform binary, offline.
#
# Usage (from anywhere; paths are resolved from this file):
#   scripts/regen-rule-fixtures.sh                        # every rule
#   scripts/regen-rule-fixtures.sh data-loss import       # only these rule ids
#   JOBS=1 KEEP_WORK=1 scripts/regen-rule-fixtures.sh     # sequential, keep temp dirs
#
# Each fixture is testdata/rules/<rule-id>/<case>/ with <case> = fires|quiet.
# In a fresh temporary directory the script copies the "before" configuration
# (before/*.tf, or the fixture's own *.tf when there is no before/) plus
# modules/, runs `terraform init` + `terraform apply`, runs the fixture's
# optional hook (out-of-band changes with boto3, `terraform taint`, ...), swaps
# in the "after" configuration (the fixture's own *.tf), runs the fixture's
# plan and writes
#   terraform show -json plan.out > <fixture>/plan.json   (bytes as terraform wrote them)
# Nothing else in testdata/rules is written (the .tf files are the inputs),
# except wrong-target/quiet/, a copy of wrong-target/fires/ (see the README).
#
# AWS resources are applied against a private moto server on 127.0.0.1 started
# through ../shared/tools/sandbox/sandbox.sh (and stopped on exit); fixtures
# that use only terraform_data need no provider at all.
# Needs: terraform (1.11.x; the version is checked), python3, bash 5.
# The same approach as scripts/regen-testdata.sh (see testdata/README.md).
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Read by scripts/lib/regen.sh (sandbox_start, sandbox_stop).
SANDBOX_SH="$(cd "$ROOT/../shared/tools/sandbox" && pwd)/sandbox.sh"
export SANDBOX_SH
RULES="$ROOT/testdata/rules"
ALL_RULES=(data-loss protection-disabled environment-teardown shared-dependency-replaced
  replace-downtime refactor-without-moved index-shift iam-wildcard-admin
  world-open-admin-port destructive-update wrong-target drift-revert plan-incomplete
  tainted-replace replace-requested forget-from-state import sensitive-change
  data-store-destroyed deleted-outside-terraform state-not-found)
EXPECTED_TF_VERSION="${EXPECTED_TF_VERSION:-1.11.4}"
MAX_PLAN_BYTES=100000

log() { printf '[rules %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=scripts/lib/regen.sh disable=SC1091
source "$ROOT/scripts/lib/regen.sh"
require_terraform "$EXPECTED_TF_VERSION"

if [ "$#" -gt 0 ]; then SELECTED=("$@"); else SELECTED=("${ALL_RULES[@]}"); fi
for r in "${SELECTED[@]}"; do
  [ -d "$RULES/$r/fires" ] || die "unknown rule id: $r (no $RULES/$r/fires)"
done

# The fixtures to run, as rule/case. wrong-target has one plan, copied to quiet/.
FIXTURES=()
for r in "${SELECTED[@]}"; do
  FIXTURES+=("$r/fires")
  [ "$r" = wrong-target ] || FIXTURES+=("$r/quiet")
done

# (grep on the files, not `cat | grep -q`: with pipefail, cat's SIGPIPE would
# make the answer racy.)
uses() { grep -qs "$2" "$RULES/$1"/*.tf "$RULES/$1"/before/*.tf; }
is_aws() { uses "$1" 'hashicorp/aws'; }

regen_begin rules

scrub_terraform_env

need_aws=0
for f in "${FIXTURES[@]}"; do if is_aws "$f"; then need_aws=1; fi; done
if [ "$need_aws" = 1 ]; then
  sandbox_start
else
  without_provider
fi

# ---------------------------------------------------------------- helpers



workdir() { printf '%s/%s' "$WORK" "${1//\//__}"; }

# prepare FIXTURE: fresh work dir with the before configuration applied.
prepare() {
  local fx="$1" src="$RULES/$1" w; w="$(workdir "$1")"
  rm -rf "$w"; mkdir -p "$w"
  if [ -d "$src/before" ]; then stage "$w" "$src/before"; else stage "$w" "$src"; fi
  if [ -d "$src/modules" ]; then cp -R "$src/modules" "$w/modules"; fi
  if uses "$fx" 'app.zip'; then make_zip "$w/app.zip"; fi
  tfq "$w" init.log init -input=false -no-color
  tfq "$w" apply-before.log apply -input=false -no-color -auto-approve
}

# switch_to_after FIXTURE: put the after configuration in place.
switch_to_after() {
  local w; w="$(workdir "$1")"
  stage "$w" "$RULES/$1"
  tfq "$w" init-after.log init -input=false -no-color
}

# plan FIXTURE ARGS...: terraform plan -out plan.out ARGS, then write plan.json.
plan() {
  local fx="$1" w rc=0 size; w="$(workdir "$1")"; shift
  (cd "$w" && terraform plan -input=false -no-color -out=plan.out "$@") >"$w/plan.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$w/plan.log" >&2
    die "$fx: terraform plan $* exited $rc"
  fi
  [ -s "$w/plan.out" ] || die "$fx: no plan file written"
  (cd "$w" && terraform show -json plan.out) >"$w/plan.json"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$w/plan.json" || die "$fx: plan.json is not JSON"
  size="$(wc -c <"$w/plan.json")"
  [ "$size" -lt "$MAX_PLAN_BYTES" ] || die "$fx: plan.json is $size bytes (limit $MAX_PLAN_BYTES)"
  cp "$w/plan.json" "$RULES/$fx/plan.json"
  log "$fx: $(grep -E '^(Plan:|No changes)' "$w/plan.log" | head -n1 || true) ($size bytes)"
}

# boto FIXTURE: run the python on stdin with boto3 against moto.
boto() {
  local w; w="$(workdir "$1")"
  "$PY" - >"$w/boto.log" 2>&1 || { cat "$w/boto.log" >&2; die "$1: boto3 step failed"; }
}

# ---------------------------------------------------------------- fixtures
# Fixtures without a function of their own: apply before, plan after, no flags.

standard() { prepare "$1"; switch_to_after "$1"; plan "$1"; }

fixture_environment-teardown/fires() {
  prepare "$1"; switch_to_after "$1"
  plan "$1" -destroy
}

fixture_drift-revert/fires() {
  prepare "$1"
  boto "$1" <<'PY'
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["bw-drift-fires"]}])["Vpcs"][0]["VpcId"]
ec2.create_tags(Resources=[vpc], Tags=[{"Key": "owner", "Value": "someone-in-the-console"}])
PY
  switch_to_after "$1"; plan "$1"
}

fixture_drift-revert/quiet() {
  prepare "$1"
  boto "$1" <<'PY'
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["bw-drift-quiet"]}])["Vpcs"][0]["VpcId"]
ec2.create_tags(Resources=[vpc], Tags=[{"Key": "owner", "Value": "someone-in-the-console"}])
PY
  switch_to_after "$1"; plan "$1"
}

fixture_plan-incomplete/fires() {
  prepare "$1"; switch_to_after "$1"
  plan "$1" -target=terraform_data.app
}

fixture_tainted-replace/fires() {
  local w; w="$(workdir "$1")"
  prepare "$1"
  tfq "$w" taint.log taint -no-color terraform_data.server
  switch_to_after "$1"; plan "$1"
}

fixture_replace-requested/fires() {
  prepare "$1"; switch_to_after "$1"
  plan "$1" -replace=terraform_data.server
}

fixture_import/fires() {
  prepare "$1"
  # Created out of band: the import block in the after config adopts it.
  boto "$1" <<'PY'
import boto3
boto3.client("ssm").put_parameter(Name="/bw-import-fires/feature-flag", Value="on", Type="String")
PY
  switch_to_after "$1"; plan "$1"
}

fixture_deleted-outside-terraform/fires() {
  prepare "$1"
  boto "$1" <<'PY'
import boto3
boto3.client("ssm").delete_parameter(Name="/bw-dot-fires/flag")
PY
  switch_to_after "$1"; plan "$1" -refresh-only
}

fixture_deleted-outside-terraform/quiet() {
  prepare "$1"
  boto "$1" <<'PY'
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["bw-dot-quiet"]}])["Vpcs"][0]["VpcId"]
ec2.create_tags(Resources=[vpc], Tags=[{"Key": "owner", "Value": "someone-in-the-console"}])
PY
  switch_to_after "$1"; plan "$1" -refresh-only
}

# One of two resources deleted out of band: below the three state-not-found needs.
fixture_state-not-found/quiet() {
  prepare "$1"
  boto "$1" <<'PY'
import boto3
boto3.client("ssm").delete_parameter(Name="/bw-snf-quiet/flag")
PY
  switch_to_after "$1"; plan "$1" -refresh-only
}

run_fixture() {
  local fx="$1" t0=$SECONDS
  log "fixture $fx"
  if declare -F "fixture_$fx" >/dev/null; then "fixture_$fx" "$fx"; else standard "$fx"; fi
  log "fixture $fx done in $((SECONDS - t0))s"
}

# All fixtures run as background jobs, at most JOBS at a time (default 8; the
# RDS ones spend ~80 s in provider waiters), each logging to its own file; the
# slow AWS ones are started first. JOBS=1 runs everything in sequence.
ORDERED=()
for f in "${FIXTURES[@]}"; do if uses "$f" aws_db_instance; then ORDERED+=("$f"); fi; done
for f in "${FIXTURES[@]}"; do if is_aws "$f" && ! uses "$f" aws_db_instance; then ORDERED+=("$f"); fi; done
for f in "${FIXTURES[@]}"; do if ! is_aws "$f"; then ORDERED+=("$f"); fi; done

run_all run_fixture fixture "${ORDERED[@]}"

# wrong-target: one plan; the quiet case is the same bytes (the test allows
# account 123456789012 / us-east-1 there, and excludes them for fires).
for r in "${SELECTED[@]}"; do
  if [ "$r" = wrong-target ]; then
    mkdir -p "$RULES/wrong-target/quiet"
    cp "$RULES/wrong-target/fires/main.tf" "$RULES/wrong-target/fires/plan.json" "$RULES/wrong-target/quiet/"
    rm -rf "$RULES/wrong-target/quiet/before"
    cp -R "$RULES/wrong-target/fires/before" "$RULES/wrong-target/quiet/before"
  fi
done

# A summary: per fixture, (address, actions, action_reason).
python3 - "$RULES" "${SELECTED[@]}" <<'PY' >&2
import json, os, sys
for rule in sys.argv[2:]:
    for case in ("fires", "quiet"):
        d = json.load(open(os.path.join(sys.argv[1], rule, case, "plan.json")))
        rc = d.get("resource_changes") or []
        items = [f"{r['address']} {'+'.join(r['change']['actions'])}"
                 + (f" ({r['action_reason']})" if r.get("action_reason") else "") for r in rc]
        print(f"  {rule}/{case}: complete={d.get('complete')} drift={len(d.get('resource_drift') or [])}")
        for i in items:
            print(f"      {i}")
PY
log "all done in $((SECONDS - START_SECONDS))s"
