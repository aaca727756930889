#!/usr/bin/env bash
# Benchmark blastwall against a plain typed serde_json parse (examples/serde_baseline.rs).
#
# Usage (from anywhere; paths are resolved from this file):
#   scripts/bench.sh                              # sizes 1000 10000 100000, 5 runs each
#   SIZES="1000 10000" RUNS=3 scripts/bench.sh
#   BENCH_PLANS=/some/dir scripts/bench.sh        # plan cache (default target/bench-plans)
#   BENCH_TIMER=python scripts/bench.sh           # force the python3 timer
#
# Plans come from ../shared/tools/synth/synth_plan.py (--seed 1) and are reused
# when present. Each run is timed with /usr/bin/time -f '%e %M' (wall seconds,
# peak RSS KiB), or with a python3 resource-module wrapper when that is missing.
# Prints a Markdown table and writes it to target/bench-results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYNTH="$ROOT/../shared/tools/synth/synth_plan.py"
SIZES="${SIZES:-1000 10000 100000}"
RUNS="${RUNS:-5}"
PLANS="${BENCH_PLANS:-$ROOT/target/bench-plans}"
OUT="$ROOT/target/bench-results.md"
BLASTWALL="$ROOT/target/release/blastwall"
BASELINE="$ROOT/target/release/examples/serde_baseline"

mkdir -p "$PLANS"
for n in $SIZES; do
    plan="$PLANS/plan-$n.json"
    if [[ ! -s "$plan" ]]; then
        echo "generating $plan" >&2
        python3 "$SYNTH" --resources "$n" --out "$plan.tmp" --seed 1 >&2
        mv "$plan.tmp" "$plan"
    fi
done

(cd "$ROOT" && cargo build --release --bin blastwall --example serde_baseline >&2)

# measure OUTFILE CMD...: appends "seconds maxrss_kib" to OUTFILE; the
# command's stdout is discarded. Exit status 0 and 3 (blocked) count as success.
if [[ -x /usr/bin/time && "${BENCH_TIMER:-}" != python ]]; then
    measure() {
        local out="$1" tmp rc=0 t0 t1; shift
        tmp="$(mktemp)"
        t0="$(date +%s%N)"
        /usr/bin/time -o "$tmp" -f '%e %M %U %S' "$@" >/dev/null || rc=$?
        t1="$(date +%s%N)"
        if [[ $rc -ne 0 && $rc -ne 3 ]]; then
            echo "failed (exit $rc): $*" >&2; cat "$tmp" >&2; rm -f "$tmp"; exit 1
        fi
        # %e has 10 ms resolution: the median uses the nanosecond clock instead.
        read -r e m u s < <(tail -n 1 "$tmp")  # after "Command exited with non-zero status 3"
        echo "$e $m $(( (t1 - t0) / 1000 )) $u $s" >>"$out"; rm -f "$tmp"
    }
else
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
print("%.2f %d %d %.2f %.2f" % (e, r.ru_maxrss, e * 1e6, r.ru_utime, r.ru_stime))
' "$@" >>"$out"
    }
fi

# Each line: "wall_s(%e) maxrss_kib wall_us user_s sys_s".
# stats FILE: "median_wall_s max_rss_kib median_cpu_s" (cpu = user + sys).
stats() {
    python3 -c '
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print("%.3f" % (statistics.median(int(r[2]) for r in rows) / 1e6), max(int(r[1]) for r in rows),
      "%.2f" % statistics.median(float(r[3]) + float(r[4]) for r in rows))
' "$1"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

{
    echo "| resources | file MB | blastwall median s | baseline median s | time ratio | blastwall peak RSS MB | baseline peak RSS MB | RSS / file (blastwall) | RSS / file (baseline) | blastwall CPU s | baseline CPU s |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$work/table"

for n in $SIZES; do
    plan="$PLANS/plan-$n.json"
    for ((i = 1; i <= RUNS; i++)); do
        echo "size $n run $i/$RUNS" >&2
        measure "$work/bw-$n" "$BLASTWALL" check --format json "$plan"
        measure "$work/base-$n" "$BASELINE" "$plan"
    done
    read -r bw_t bw_rss bw_cpu < <(stats "$work/bw-$n")
    read -r base_t base_rss base_cpu < <(stats "$work/base-$n")
    bytes="$(stat -c %s "$plan")"
    python3 -c '
import sys
n, size, bt, br, st, sr, bc, sc = sys.argv[1:]
mb = int(size) / 1e6
bt, st = float(bt), float(st)
brm, srm = int(br) * 1024 / 1e6, int(sr) * 1024 / 1e6
ratio = "%.2f" % (bt / st) if st > 0 else "n/a"
print("| %s | %.1f | %.3f | %.3f | %s | %.0f | %.0f | %.2f | %.2f | %s | %s |"
      % (n, mb, bt, st, ratio, brm, srm, brm / mb, srm / mb, bc, sc))
' "$n" "$bytes" "$bw_t" "$bw_rss" "$base_t" "$base_rss" "$bw_cpu" "$base_cpu" >>"$work/table"
done

{
    echo "blastwall $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (working tree), $RUNS runs per size, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "time ratio = blastwall median / baseline median (wall); MB = 10^6 bytes; peak RSS is the max over runs;"
    echo "CPU s = median user+sys seconds (less sensitive than wall time to other load on the machine)"
    echo
    cat "$work/table"
} | tee "$OUT"
