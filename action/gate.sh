#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Last step of action.yml: fails the step with the gate's exit code once the
# comment and the SARIF upload are done, so a blocked plan still gets both.
#   EXIT_CODE  blastwall's exit code (0 pass or warn, 3 blocked)
#   VERDICT, SCORE  for the message
#   APPROVED, APPROVED_BY  the approvals step's outputs: true when a person
#                  with write access, neither the pull request's author nor
#                  a bot, approved every blocked plan's fingerprint in a
#                  `/blastwall approve` comment (action/approvals.sh). Nothing
#                  else turns a block into a pass: approval records count only
#                  through blastwall, from the base branch's configuration.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

code=${EXIT_CODE:-}
case "$code" in
0)
    case "${VERDICT:-}" in
    fail | warn) echo "blastwall: verdict $VERDICT, score ${SCORE:-?}; not blocking (fail-on)" ;;
    *) echo "blastwall: verdict ${VERDICT:-pass}, score ${SCORE:-?}" ;;
    esac
    ;;
3)
    if [ "${APPROVED:-}" = true ]; then
        echo "blastwall: verdict ${VERDICT:-fail}, score ${SCORE:-?}; this exact plan was approved on the pull request by ${APPROVED_BY:-?}"
        exit 0
    fi
    bw_error "blastwall blocked this plan: verdict ${VERDICT:-fail}, score ${SCORE:-?}. The report says why and what would make it pass."
    exit 3
    ;;
'')
    bw_die 1 "no exit code from the check step"
    ;;
*)
    bw_die "$code" "blastwall gave no verdict (exit $code)"
    ;;
esac
