#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Last step of action.yml: fails the step with the gate's exit code once the
# comment and the SARIF upload are done, so a blocked plan still gets both.
#   EXIT_CODE  blastwall's exit code (0 pass or warn, 3 blocked)
#   VERDICT, SCORE  for the message
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
