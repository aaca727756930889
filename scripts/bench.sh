#!/usr/bin/env bash
# Benchmark `blastwall check` against the performance floor in
# ../shared/bench/floor (read + typed serde_json parse with raw payloads +
# dependency graph + BFS from every destroy: the least work a plan analyser
# must do), run back to back: floor, blastwall, floor, blastwall, …
#
# Usage (from anywhere; paths are resolved from this file):
#   scripts/bench.sh                               # 1k, 10k, 100k; 5 pairs each
#   SIZES="1000 10000 100000 300000" PAIRS=7 scripts/bench.sh
#   FORMATS="json human markdown sarif agent github" scripts/bench.sh   # every format vs json
#   BENCH_PLANS=/some/dir scripts/bench.sh         # plan cache (default target/bench-plans)
#
# Plans come from ../shared/tools/synth/synth_plan.py (--seed 1) and are
# reused when present (300k is 1.7 GB and takes ~2 min to generate). Each run
# is timed with a python3 wrapper (wall time on the monotonic clock, peak RSS
# from getrusage). The time ratio is the median of the per-pair ratios
# blastwall / floor: on a shared machine absolute times are noise, a ratio
# measured back to back is not. Prints a Markdown table and writes it to
# target/bench-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYNTH="$ROOT/../shared/tools/synth/synth_plan.py"
FLOOR_DIR="$ROOT/../shared/bench/floor"
SIZES="${SIZES:-1000 10000 100000}"
PAIRS="${PAIRS:-5}"
FORMATS="${FORMATS:-json}"
PLANS="${BENCH_PLANS:-$ROOT/target/bench-plans}"
OUT="$ROOT/target/bench-results.md"
BLASTWALL="$ROOT/target/release/blastwall"
FLOOR="$ROOT/target/floor/release/baseline-rs"

mkdir -p "$PLANS"
for n in $SIZES; do
    plan="$PLANS/plan-$n.json"
    if [[ ! -s "$plan" ]]; then
        echo "generating $plan" >&2
        python3 "$SYNTH" --resources "$n" --out "$plan.tmp" --seed 1 >&2
        mv "$plan.tmp" "$plan"
    fi
done

(cd "$ROOT" && cargo build --release --bin blastwall >&2)
# shared/ is read-only: the floor builds into this project's target dir.
CARGO_TARGET_DIR="$ROOT/target/floor" cargo build --release \
    --manifest-path "$FLOOR_DIR/Cargo.toml" >&2

# measure OUT CMD...: appends "wall_seconds peak_rss_kib cpu_seconds" to OUT.
# Exit status 0 and 3 (blocked) count as success; stdout is discarded.
measure() {
    local out="$1"; shift
    python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
e = time.monotonic() - t
if rc not in (0, 3):
    sys.exit("failed (exit %d): %s" % (rc, " ".join(sys.argv[1:])))
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %d %.2f" % (e, r.ru_maxrss, r.ru_utime + r.ru_stime))
' "$@" >>"$out"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

{
    echo "| resources | file MB | format | floor median s | blastwall median s | ratio (median of pairs) | ratio min–max | blastwall peak RSS MB | RSS / file | floor peak RSS MB |"
    echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
} >"$work/table"

for n in $SIZES; do
    plan="$PLANS/plan-$n.json"
    bytes="$(stat -L -c %s "$plan")"
    cat "$plan" >/dev/null # page cache warm for both sides
    for format in $FORMATS; do
        : >"$work/floor" ; : >"$work/bw"
        for ((i = 1; i <= PAIRS; i++)); do
            echo "size $n format $format pair $i/$PAIRS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
            measure "$work/floor" "$FLOOR" serde-raw "$plan"
            measure "$work/bw" "$BLASTWALL" check --format "$format" "$plan"
        done
        python3 -c '
import statistics, sys
n, size, fmt, floor, bw = sys.argv[1:]
f = [l.split() for l in open(floor) if l.strip()]
b = [l.split() for l in open(bw) if l.strip()]
ratios = [float(y[0]) / float(x[0]) for x, y in zip(f, b)]
mb = int(size) / 1e6
frss = max(int(x[1]) for x in f) * 1024 / 1e6
brss = max(int(y[1]) for y in b) * 1024 / 1e6
print("| %s | %.1f | %s | %.3f | %.3f | %.2f | %.2f–%.2f | %.0f | %.2f | %.0f |" % (
    n, mb, fmt,
    statistics.median(float(x[0]) for x in f),
    statistics.median(float(y[0]) for y in b),
    statistics.median(ratios), min(ratios), max(ratios),
    brss, brss / mb, frss))
' "$n" "$bytes" "$format" "$work/floor" "$work/bw" >>"$work/table"
    done
done

{
    echo "blastwall $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (working tree), $PAIRS interleaved pairs (floor, blastwall) per row, $(nproc) CPUs, load after the run $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "floor = ../shared/bench/floor \`serde-raw\`; ratio = median over pairs of blastwall wall time / floor wall time;"
    echo "peak RSS is the max over runs (a memory-mapped or read plan counts in it); MB = 10^6 bytes"
    echo
    cat "$work/table"
} | tee "$OUT"
