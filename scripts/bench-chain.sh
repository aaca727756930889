#!/usr/bin/env bash
# Wall time and peak memory of `blastwall check` on one long dependency
# chain (scripts/gen-chain-plan.py), against the file size. Builds release.
#   scripts/bench-chain.sh                 # 1k, 10k, 100k resources
#   scripts/bench-chain.sh 100000 200000   # chosen sizes
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000 100000)
cargo build --release --quiet
bin=target/release/blastwall
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %-8s %12s %10s %12s %8s %s\n' resources format file_bytes wall_s peak_rss_kb rss/file exit
for n in "${sizes[@]}"; do
  plan="$work/chain-$n.json"
  python3 scripts/gen-chain-plan.py "$n" > "$plan"
  bytes=$(stat -c %s "$plan")
  for format in json human; do
    set +e
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" check --format "$format" "$plan" > "$work/out" 2> "$work/err"
    code=$?
    set -e
    read -r wall rss < <(tail -n 1 "$work/time")
    ratio=$(python3 -c "print(f'{$rss * 1024 / $bytes:.2f}')")
    printf '%-10s %-8s %12s %10s %12s %8s %s\n' "$n" "$format" "$bytes" "$wall" "$rss" "$ratio" "$code"
  done
done
