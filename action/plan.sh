#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step "plan" of action.yml (only when the plan-command input is set): runs
# PLAN_COMMAND with bash in WORKING_DIRECTORY, e.g.
#   terraform init -input=false && terraform plan -input=false -out=plan.out
# The command is the caller's own input, run as a script from an environment
# variable: it is never pasted into this step's source.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -n "${PLAN_COMMAND:-}" ] || bw_die 2 "plan-command is empty"
cd -- "${WORKING_DIRECTORY:-.}" || bw_die 2 "working-directory '${WORKING_DIRECTORY:-}' does not exist"
echo "Producing the plan in $(pwd): $PLAN_COMMAND"
status=0
bash -eo pipefail -c "$PLAN_COMMAND" || status=$?
if [ "$status" -ne 0 ]; then
    bw_die 1 "plan-command failed (exit $status): no plan to check"
fi
