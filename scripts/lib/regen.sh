# shellcheck shell=bash
# What the regen scripts (regen-testdata.sh, regen-rule-fixtures.sh,
# regen-accuracy.sh) share: a clean terraform environment, a private moto
# sandbox, and the steps of "apply before, plan after". Sourced after the
# caller defines log() and die() (each prints its own prefix) and sets
# SANDBOX_SH; regen_begin sets WORK.

# require_terraform VERSION: terraform on PATH, at the version the committed
# plans were made with.
require_terraform() {
  local wanted="$1" found
  command -v terraform >/dev/null || die "terraform not found on PATH"
  found="$(TF_CLI_CONFIG_FILE=/dev/null terraform version -json | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')"
  [ "$found" = "$wanted" ] ||
    die "terraform $found found, the plans are made with $wanted (set EXPECTED_TF_VERSION to override)"
}

# Terraform must not pick up anything from the caller's environment.
scrub_terraform_env() {
  local v
  unset TF_LOG TF_LOG_PATH TF_DATA_DIR TF_WORKSPACE TF_CLI_ARGS
  while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\(TF_CLI_ARGS_[^=]*\)=.*/\1/p')
  # No plugin cache: init links the provider from the unpacked filesystem
  # mirror, and parallel inits sharing one cache race on it.
  unset TF_PLUGIN_CACHE_DIR
  while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\(TF_VAR_[^=]*\)=.*/\1/p')
}

# regen_begin NAME: the work dir ($WORK, kept with KEEP_WORK=1), the start
# time, a private sandbox, and the cleanup that stops background jobs and
# moto whatever way the script ends. Sets WORK and START_SECONDS.
regen_begin() {
  # shellcheck disable=SC2034 # read by the sourcing script for its elapsed time
  START_SECONDS=$SECONDS
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/blastwall-$1.XXXXXX")"
  sandbox_prepare
  trap regen_cleanup EXIT
}

regen_cleanup() {
  local rc=$? p
  # Background jobs still running (after a failure): stop them.
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  sandbox_stop
  if [ "${KEEP_WORK:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}

# sandbox_prepare: a private sandbox dir in $WORK, so that a moto started by
# someone else is left alone; reuses the shared venv (moto + boto3) when it
# is already installed.
sandbox_prepare() {
  export SANDBOX_DIR="$WORK/sandbox"
  mkdir -p "$SANDBOX_DIR"
  local shared="$HOME/.cache/blastwall-sandbox/venv"
  if "$shared/bin/python" -c 'import moto, boto3' 2>/dev/null; then
    ln -s "$shared" "$SANDBOX_DIR/venv"
  fi
  SANDBOX_STARTED=0
  PY="$SANDBOX_DIR/venv/bin/python"
}

# sandbox_start: moto on loopback; AWS_ENDPOINT_URL is exported.
sandbox_start() {
  log "starting the moto sandbox"
  eval "$("$SANDBOX_SH" start)"
  SANDBOX_STARTED=1
  case "$AWS_ENDPOINT_URL" in http://127.0.0.1:*) ;; *) die "AWS_ENDPOINT_URL is not loopback" ;; esac
  "$PY" -c "import urllib.request; urllib.request.urlopen('$AWS_ENDPOINT_URL/moto-api/data.json', timeout=5)" ||
    die "moto did not start (see $SANDBOX_DIR/moto.log)"
}

# sandbox_stop: stops moto if this script started it.
sandbox_stop() {
  if [ "${SANDBOX_STARTED:-0}" = 1 ]; then "$SANDBOX_SH" stop || true; fi
}

# without_provider: terraform_data only, no provider to install, nothing to talk to.
without_provider() {
  export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
}

# stage DIR SRC: replace the configuration in work dir DIR by the *.tf of SRC.
stage() {
  local dir="$1" src="$2"
  find "$dir" -maxdepth 1 -name '*.tf' -delete
  cp "$src"/*.tf "$dir/"
}

# tfq DIR LOG ARGS...: run terraform in DIR, output to DIR/LOG; show it on failure.
tfq() {
  local dir="$1" logf="$2"
  shift 2
  if ! (cd "$dir" && terraform "$@") >"$dir/$logf" 2>&1; then
    cat "$dir/$logf" >&2
    die "terraform $* failed in $dir"
  fi
}

# make_zip PATH: a Lambda deployment package with fixed bytes (fixed timestamp).
make_zip() {
  python3 - "$1" <<'PY'
import sys, zipfile
info = zipfile.ZipInfo("app.py", date_time=(2024, 1, 1, 0, 0, 0))
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(info, "def handler(event, context):\n    return {'ok': True}\n")
PY
}

# run_all RUN KIND ITEM...: `RUN ITEM` for every item, at most $JOBS (default
# 8) at a time as background jobs, each logging to "$(workdir ITEM).log",
# shown when it ends; JOBS=1 runs them in sequence in the foreground. Dies
# when any failed. The caller orders the items (slow ones first).
run_all() {
  local run="$1" kind="$2" item failed=0
  shift 2
  if [ "${JOBS:-8}" = 1 ]; then
    for item in "$@"; do "$run" "$item"; done
    return
  fi
  local -A pids=()
  _reap() { # wait for one job to end, report it
    local done_pid name rc=0
    wait -n -p done_pid "${pids[@]}" || rc=$?
    for name in "${!pids[@]}"; do
      if [ "${pids[$name]}" = "$done_pid" ]; then
        cat "$(workdir "$name").log" >&2
        if [ "$rc" != 0 ]; then log "ERROR: $kind $name failed"; failed=1; fi
        unset "pids[$name]"
      fi
    done
  }
  for item in "$@"; do
    while [ "${#pids[@]}" -ge "${JOBS:-8}" ]; do _reap; done
    "$run" "$item" >"$(workdir "$item").log" 2>&1 &
    pids[$item]=$!
  done
  while [ "${#pids[@]}" -gt 0 ]; do _reap; done
  [ "$failed" = 0 ] || die "some ${kind}s failed"
}
