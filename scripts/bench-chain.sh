#!/usr/bin/env bash
# Wall time and peak memory of `blastwall check` on one long dependency
# chain (scripts/gen-chain-plan.py), against the file size, and the same for
# the floor (../shared/bench/floor, serde-raw: typed parse + graph + BFS) on
# the same plan, so the ratio has its yardstick. Builds release. GENERATOR
# names another generator of the same interface (N on the command line, the
# plan on stdout), such as scripts/gen-wide-dependency-plan.py.
#   scripts/bench-chain.sh                 # 1k, 10k, 100k resources
#   scripts/bench-chain.sh 100000 200000   # chosen sizes
#   GENERATOR=scripts/gen-wide-dependency-plan.py scripts/bench-chain.sh 1000 10000
#   GENERATOR=scripts/gen-module-spread-plan.py scripts/bench-chain.sh 1000 10000
#   GENERATOR=scripts/gen-fan-in-plan.py scripts/bench-chain.sh 1000 10000
#   GENERATOR=scripts/gen-module-fan-in-plan.py scripts/bench-chain.sh 1000 10000
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000 100000)
cargo build --release --quiet
bin=target/release/blastwall
floor_dir="$root/../shared/bench/floor"
floor=""
if [ -d "$floor_dir" ]; then
  # shared/ is read-only: the floor builds into this project's target dir.
  CARGO_TARGET_DIR="$root/target/floor" cargo build --release --quiet --manifest-path "$floor_dir/Cargo.toml"
  floor="$root/target/floor/release/baseline-rs"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %-8s %12s %10s %12s %8s %s\n' resources run file_bytes wall_s peak_rss_kb rss/file exit
for n in "${sizes[@]}"; do
  plan="$work/plan-$n.json"
  python3 "${GENERATOR:-scripts/gen-chain-plan.py}" "$n" > "$plan"
  bytes=$(stat -c %s "$plan")
  runs=(json human)
  [ -n "$floor" ] && runs+=(floor)
  for run in "${runs[@]}"; do
    if [ "$run" = floor ]; then
      command=("$floor" serde-raw "$plan")
    else
      command=("$bin" check --format "$run" "$plan")
    fi
    set +e
    /usr/bin/time -f '%e %M' -o "$work/time" "${command[@]}" > "$work/out" 2> "$work/err"
    code=$?
    set -e
    read -r wall rss < <(tail -n 1 "$work/time")
    ratio=$(python3 -c "print(f'{$rss * 1024 / $bytes:.2f}')")
    printf '%-10s %-8s %12s %10s %12s %8s %s\n' "$n" "$run" "$bytes" "$wall" "$rss" "$ratio" "$code"
  done
done
