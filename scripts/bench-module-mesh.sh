#!/usr/bin/env bash
# Wall time of `blastwall check` on hand-made configurations whose N module
# calls all name each other (scripts/gen-module-mesh-plan.py): how the
# reference resolution grows with N. Median of RUNS runs per size. Set
# BASELINE to another blastwall binary to time it beside (each of its runs
# is cut at TIMEOUT seconds).
#   scripts/bench-module-mesh.sh                 # 60, 200, 400 calls
#   BASELINE=/tmp/old-blastwall scripts/bench-module-mesh.sh 40 60 100
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(60 200 400)
runs="${RUNS:-5}"
timeout_s="${TIMEOUT:-120}"
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { # binary plan -> median wall seconds ("timeout" when cut)
  for _ in $(seq "$runs"); do
    if /usr/bin/time -f '%e' -o "$work/t" timeout "$timeout_s" "$1" check --format json "$2" > /dev/null 2>&1 || [ $? -ne 124 ]; then
      cat "$work/t" | tail -1
    else
      echo timeout; return
    fi
  done | median
}
printf '%-6s %12s %12s %12s\n' calls file_bytes blastwall_s baseline_s
for n in "${sizes[@]}"; do
  plan="$work/mesh-$n.json"
  python3 scripts/gen-module-mesh-plan.py "$n" > "$plan"
  base=-
  [ -n "${BASELINE:-}" ] && base=$(time_of "$BASELINE" "$plan")
  printf '%-6s %12s %12s %12s\n' "$n" "$(stat -c %s "$plan")" "$(time_of target/release/blastwall "$plan")" "$base"
done
