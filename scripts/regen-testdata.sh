#!/usr/bin/env bash
# Regenerate testdata/ with the real terraform binary, offline.
#
# Usage (from anywhere; paths are resolved from this file):
#   scripts/regen-testdata.sh              # every scenario + testdata/invalid/
#   scripts/regen-testdata.sh no-changes   # only the named scenarios (invalid/
#                                          # files whose sources ran are rebuilt)
#
# For each scenario in testdata/plans/<scenario>/ it works in a fresh temporary
# directory: it copies the "before" configuration (before/*.tf, or the
# scenario's own *.tf when there is no before/) plus modules/, runs
# `terraform init` + `terraform apply`, then swaps in the "after"
# configuration (the scenario's own *.tf) and runs the scenario's plan, then
#   terraform show -json plan.out   > plan.json      (bytes as terraform wrote them)
#   terraform graph                 > graph.dot      (resource-only edges)
#   terraform graph -type=plan      > graph-plan.dot (the full plan graph)
# and copies those into testdata/plans/<scenario>/. The .tf files there are
# the inputs; nothing else in testdata/plans is edited. Binary plans (plan.out)
# are not kept: they only make sense next to their .terraform directory.
#
# AWS resources are applied against a private moto server on 127.0.0.1
# started through ../shared/tools/sandbox/sandbox.sh (and stopped on exit).
# Needs: terraform (1.11.x; the version is checked), python3, bash.
set -euo pipefail
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Read by scripts/lib/regen.sh (sandbox_start, sandbox_stop).
SANDBOX_SH="$(cd "$ROOT/../shared/tools/sandbox" && pwd)/sandbox.sh"
export SANDBOX_SH
TESTDATA="$ROOT/testdata"
PLANS="$TESTDATA/plans"
INVALID="$TESTDATA/invalid"
ALL_SCENARIOS=(no-changes db-deleted replace-cascade module-keys prior-state teardown errored targeted refresh-only forget moved new-dependency refresh-only-dependency)
EXPECTED_TF_VERSION="${EXPECTED_TF_VERSION:-1.11.4}"

log() { printf '[regen %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=scripts/lib/regen.sh disable=SC1091
source "$ROOT/scripts/lib/regen.sh"
require_terraform "$EXPECTED_TF_VERSION"

if [ "$#" -gt 0 ]; then SCENARIOS=("$@"); else SCENARIOS=("${ALL_SCENARIOS[@]}"); fi
for s in "${SCENARIOS[@]}"; do [ -d "$PLANS/$s" ] || die "unknown scenario: $s"; done
wants() { local s; for s in "${SCENARIOS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

regen_begin regen

scrub_terraform_env

sandbox_start

# ---------------------------------------------------------------- helpers



# prepare NAME: fresh work dir with the before configuration applied.
prepare() {
  local name="$1" src="$PLANS/$1" w="$WORK/$1"
  rm -rf "$w"; mkdir -p "$w"
  if [ -d "$src/before" ]; then stage "$w" "$src/before"; else stage "$w" "$src"; fi
  [ -d "$src/modules" ] && cp -R "$src/modules" "$w/modules"
  grep -q 'app.zip' "$w"/*.tf && make_zip "$w/app.zip"
  tfq "$w" init.log init -input=false -no-color
  tfq "$w" apply-before.log apply -input=false -no-color -auto-approve
}

# switch_to_after NAME: put the after configuration in place.
switch_to_after() {
  local w="$WORK/$1"
  stage "$w" "$PLANS/$1"
  tfq "$w" init-after.log init -input=false -no-color
}

# plan NAME EXPECTED_RC ARGS...: terraform plan -out plan.out ARGS, then save outputs.
plan() {
  local name="$1" want_rc="$2" w="$WORK/$1" rc=0; shift 2
  (cd "$w" && terraform plan -input=false -no-color -out=plan.out "$@") >"$w/plan.log" 2>&1 || rc=$?
  if [ "$rc" != "$want_rc" ]; then
    cat "$w/plan.log" >&2
    die "$name: terraform plan $* exited $rc, expected $want_rc"
  fi
  [ -s "$w/plan.out" ] || die "$name: no plan file written"
  save_outputs "$name"
}

save_outputs() {
  local name="$1" w="$WORK/$1" out="$PLANS/$1"
  (cd "$w" && terraform show -json plan.out) >"$w/plan.json"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$w/plan.json" || die "$name: plan.json is not JSON"
  (cd "$w" && terraform graph) >"$w/graph.dot"
  (cd "$w" && terraform graph -type=plan) >"$w/graph-plan.dot"
  cp "$w/plan.json" "$w/graph.dot" "$w/graph-plan.dot" "$out/"
  log "$name: $(grep -E '^(Plan:|No changes|Changes to Outputs)' "$w/plan.log" | head -n1 || true) ($(wc -c <"$w/plan.json") bytes)"
}

# ---------------------------------------------------------------- scenarios

scenario_no-changes() {
  prepare no-changes
  switch_to_after no-changes
  plan no-changes 0
}

scenario_db-deleted() {
  local w="$WORK/db-deleted"
  prepare db-deleted
  # The before state, as users mistakenly feed it (`terraform show -json` of a state).
  (cd "$w" && terraform show -json) >"$w/state.json"
  switch_to_after db-deleted
  plan db-deleted 0
  # Inputs that are not JSON plans, from the same plan.
  (cd "$w" && terraform show -no-color plan.out) >"$w/text-plan.txt"
  (cd "$w" && terraform show plan.out) >"$w/text-plan-color.txt"
  (cd "$w" && terraform plan -input=false -json) >"$w/plan-log.ndjson"
}

scenario_replace-cascade() {
  prepare replace-cascade
  switch_to_after replace-cascade
  plan replace-cascade 0
}

scenario_module-keys() {
  prepare module-keys
  switch_to_after module-keys
  plan module-keys 0
}

scenario_prior-state() {
  local w="$WORK/prior-state"
  prepare prior-state
  cp "$w/terraform.tfstate" "$w/tfstate-raw.json"
  tfq "$w" taint.log taint -no-color terraform_data.fragile
  switch_to_after prior-state
  plan prior-state 0 -replace=terraform_data.stable
}

scenario_teardown() {
  local w
  prepare teardown
  switch_to_after teardown
  plan teardown 0 -destroy
  w="$WORK/teardown"
  (cd "$w" && terraform graph -type=plan-destroy) >"$w/graph-plan-destroy.dot"
  cp "$w/graph-plan-destroy.dot" "$PLANS/teardown/"
}

scenario_errored() {
  prepare errored
  switch_to_after errored
  # A failing precondition: plan exits 1 but still writes the plan file.
  plan errored 1
}

scenario_targeted() {
  prepare targeted
  switch_to_after targeted
  plan targeted 0 -target=terraform_data.app
}

scenario_forget() {
  prepare forget
  switch_to_after forget
  plan forget 0
}

scenario_moved() {
  prepare moved
  switch_to_after moved
  plan moved 0
}

scenario_new-dependency() {
  prepare new-dependency
  switch_to_after new-dependency
  plan new-dependency 0
}

scenario_refresh-only-dependency() {
  prepare refresh-only-dependency
  switch_to_after refresh-only-dependency
  plan refresh-only-dependency 0 -refresh-only
}

scenario_refresh-only() {
  prepare refresh-only
  switch_to_after refresh-only
  # Out-of-band changes through the AWS API (moto): retag the VPC and the
  # bucket, delete the SSM parameter.
  "$PY" - <<'PY'
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["drifty"]}])["Vpcs"][0]["VpcId"]
ec2.create_tags(Resources=[vpc], Tags=[{"Key": "owner", "Value": "someone-in-the-console"},
                                       {"Key": "hotfix", "Value": "INC-1234"}])
s3 = boto3.client("s3")
s3.put_bucket_tagging(Bucket="blastwall-fixture-drifty",
                      Tagging={"TagSet": [{"Key": "owner", "Value": "platform"},
                                          {"Key": "cost-center", "Value": "42"}]})
boto3.client("ssm").delete_parameter(Name="/drifty/flag")
PY
  plan refresh-only 0 -refresh-only
}

run_scenario() {
  local t0=$SECONDS
  log "scenario $1"
  "scenario_$1"
  log "scenario $1 done in $((SECONDS - t0))s"
}

# The slow AWS scenarios (moto + provider waiters; the RDS instance alone takes
# ~80 s) run in the background, in parallel, each logging to its own file;
# JOBS=1 runs everything in sequence.
AWS_SCENARIOS=(db-deleted replace-cascade teardown refresh-only)
is_aws() { local a; for a in "${AWS_SCENARIOS[@]}"; do [ "$a" = "$1" ] && return 0; done; return 1; }
declare -A PIDS=()
if [ "${JOBS:-0}" != 1 ]; then
  for s in "${SCENARIOS[@]}"; do
    if is_aws "$s"; then
      run_scenario "$s" >"$WORK/$s.log" 2>&1 &
      PIDS[$s]=$!
    fi
  done
fi
for s in "${SCENARIOS[@]}"; do
  if [ -z "${PIDS[$s]:-}" ]; then run_scenario "$s"; fi
done
failed=0
for s in "${!PIDS[@]}"; do
  if wait "${PIDS[$s]}"; then cat "$WORK/$s.log" >&2; else
    cat "$WORK/$s.log" >&2; log "ERROR: scenario $s failed"; failed=1
  fi
done
[ "$failed" = 0 ] || die "some scenarios failed"

# ---------------------------------------------------------------- invalid/
# Files users feed by mistake. From terraform where they come from terraform,
# else derived from the plans above by python (see testdata/README.md).
mkdir -p "$INVALID"
if wants db-deleted; then
  w="$WORK/db-deleted"
  cp "$w/text-plan.txt" "$w/text-plan-color.txt" "$w/plan-log.ndjson" "$w/state.json" "$INVALID/"
fi
if wants prior-state; then
  cp "$WORK/prior-state/tfstate-raw.json" "$INVALID/tfstate-raw.json"
fi
if wants no-changes; then
  (cd "$WORK/no-changes" && terraform providers schema -json) >"$INVALID/provider-schema.json"
fi

python3 - "$PLANS" "$INVALID" <<'PY'
import json, os, sys
plans, inv = sys.argv[1], sys.argv[2]

def plan_bytes(name):
    with open(os.path.join(plans, name, "plan.json"), "rb") as f:
        return f.read()

def write(name, data):
    with open(os.path.join(inv, name), "wb") as f:
        f.write(data)

write("empty.json", b"")
write("whitespace.json", b"   \n\t  \n\n    \r\n  \n")
write("not-json.txt", b"Thanks for the review! I ran the plan locally and it looked fine,\n"
      b"see the attached screenshot. Deploying to prod after lunch.\n")

nc = plan_bytes("no-changes")
json.loads(nc)
# Cut in the middle of resource_changes, as an interrupted upload would.
i = nc.index(b'"resource_changes":[')
j = nc.index(b'"address":', nc.index(b'"address":', i) + 1)  # inside the 2nd change
write("truncated.json", nc[: j + 20])
# Same plan, a future major format version (only that field changed).
v = json.loads(nc)["format_version"]
old = b'"format_version":"%s"' % v.encode()
assert nc.startswith(b"{" + old), "format_version is not the first field"
write("format-v2.json", nc.replace(old, b'"format_version":"2.0"', 1))

# resource_changes[1].change.actions gets an action no Terraform writes.
# Edited in place (the bytes around it stay as terraform wrote them).
ps = plan_bytes("prior-state")
doc = json.loads(ps)
addr = doc["resource_changes"][1]["address"]
start = ps.index(b'"resource_changes":[')
k = ps.index(b'"address":' + json.dumps(addr).encode(), start)
a0 = ps.index(b'"actions":[', k)
a1 = ps.index(b"]", a0)
bad = ps[:a0] + b'"actions":["explode"' + ps[a1:]
assert json.loads(bad)["resource_changes"][1]["change"]["actions"] == ["explode"]
write("unknown-action.json", bad)

# Encodings (PowerShell's `>` writes UTF-16LE with a BOM).
mk = plan_bytes("module-keys").decode("utf-8")
write("utf16le-bom.json", b"\xff\xfe" + mk.encode("utf-16-le"))
write("utf16be-bom.json", b"\xfe\xff" + mk.encode("utf-16-be"))
write("utf8-bom.json", b"\xef\xbb\xbf" + mk.encode("utf-8"))

# hashicorp/setup-terraform's wrapper (terraform_wrapper: true), laid out like
# infracost's testdata/plan_with_terraform_wrapper.json: the [command] line, the
# raw stdout, then @actions/core commands whose data is escaped (% \r \n).
db = plan_bytes("db-deleted")
def esc(b):
    return b.replace(b"%", b"%25").replace(b"\r", b"%0D").replace(b"\n", b"%0A")
write("wrapper-polluted.json",
      b"[command]/home/runner/work/_temp/3d2127a4-5e1f-4c55-9b6e-0c2f1a7d8e90/terraform-bin show -json plan.out\n"
      + db
      + b"::debug::Terraform exited with code 0.\n"
      + b"::debug::stdout: " + esc(db) + b"\n"
      + b"::debug::stderr: \n"
      + b"::debug::exitcode: 0\n"
      + b"::set-output name=stdout::" + esc(db) + b"\n"
      + b"::set-output name=stderr::\n"
      + b"::set-output name=exitcode::0\n")

# Terragrunt `run --all show -json`: one plan per unit, each one line as
# terraform wrote it, between ANSI-coloured log lines.
E = b"\x1b"
def info(t, msg):
    return E + b"[36m" + t + b" INFO" + E + b"[0m   " + msg + b"\n"
tg = (info(b"14:02:10.871", b"The runner at . will be processed in the following order for command show:")
      + b"Group 1\n- Unit ./modules/db\n- Unit ./modules/network\n\nGroup 2\n- Unit ./modules/app\n\n"
      + info(b"14:02:11.123", b"[modules/db] Running command: terraform show -json plan.out")
      + db
      + info(b"14:02:11.402", b"[modules/network] Running command: terraform show -json plan.out")
      + plan_bytes("replace-cascade")
      + E + b"[33m14:02:11.455 WARN" + E + b"[0m   [modules/app] The `terraform` command is deprecated, use `run` instead\n"
      + info(b"14:02:11.688", b"[modules/app] Running command: terraform show -json plan.out")
      + plan_bytes("prior-state"))
write("ansi-terragrunt.json", tg)

# Two plans, one per line (terraform ends each with a newline), nothing else.
write("multi-plan.ndjson", nc + plan_bytes("targeted"))
PY

# A summary of what each plan holds.
python3 - "$PLANS" "${SCENARIOS[@]}" <<'PY' >&2
import collections, json, os, sys
for name in sys.argv[2:]:
    d = json.load(open(os.path.join(sys.argv[1], name, "plan.json")))
    rc = d.get("resource_changes") or []
    acts = collections.Counter("+".join(r["change"]["actions"]) for r in rc)
    print(f"  {name:16} errored={d.get('errored')!s:5} complete={d.get('complete')!s:5} "
          f"drift={len(d.get('resource_drift') or [])} " + " ".join(f"{k}={v}" for k, v in sorted(acts.items())))
PY
log "all done in $((SECONDS - START_SECONDS))s"
