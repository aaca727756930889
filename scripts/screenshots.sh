#!/usr/bin/env bash
# Screenshots of blastwall's Markdown report as GitHub shows it in a PR comment.
#
# Usage (from anywhere; paths are resolved from this file):
#   scripts/screenshots.sh
#
# For each plan below it runs `blastwall check PLAN --format markdown`, converts
# the Markdown with `marked` (GFM), wraps it in github-markdown-css (light,
# 900px comment), renders ```mermaid``` blocks with the `mermaid` package, and
# takes two full-page screenshots (1000px wide, deviceScaleFactor 1) in Debian's
# headless Chromium driven by playwright-core:
#   docs/screenshots/<name>-collapsed.png   as a reviewer first sees it
#   docs/screenshots/<name>-details.png     first <details> opened
# Intermediate files: target/screens/<name>.md and <name>.html, plus
# target/screens/<name>-expanded.png with every <details> open (for review).
# PNGs are shrunk with pngquant (palette, visually lossless for this page).
# render.mjs prints warnings for tables wider than the comment, scaled-down
# Mermaid diagrams and literal escapes such as &#91; in the rendered text.
#
# Needs: cargo, python3, node + npm (npm registry), /usr/bin/chromium (installed
# with apt-get when missing, with the Liberation/DejaVu and Noto emoji fonts
# and pngquant).
# Nothing else is fetched; the page itself loads only file:// URLs.
# Env: CHROMIUM=/path/to/chromium to use another binary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPER="$ROOT/scripts/screenshots"
WORK="$ROOT/target/screens"
OUT="$ROOT/docs/screenshots"
SYNTH="$ROOT/../shared/tools/synth/synth_plan.py"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
MAX_PNG_BYTES=$((600 * 1024))

mkdir -p "$WORK" "$OUT"

# --- system packages: Chromium and fonts (GitHub's font stack falls back to
# Helvetica/Arial -> Liberation Sans; emoji need a colour emoji font).
need_pkgs=()
[[ -x "$CHROMIUM" ]] || need_pkgs+=(chromium)
for p in fonts-liberation fonts-dejavu-core fonts-noto-color-emoji pngquant; do
    dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
    echo "installing ${need_pkgs[*]}" >&2
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >&2
fi

# --- npm packages (versions pinned in package.json / package-lock.json).
if [[ ! -d "$HELPER/node_modules/playwright-core" || ! -d "$HELPER/node_modules/mermaid" \
      || "$HELPER/package-lock.json" -nt "$HELPER/node_modules/.package-lock.json" ]]; then
    (cd "$HELPER" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# --- blastwall
(cd "$ROOT" && cargo build --quiet)
BLASTWALL="$ROOT/target/debug/blastwall"

# --- plans: name -> path
PLAN_1K="$WORK/plan-1k.json"
if [[ ! -s "$PLAN_1K" ]]; then
    python3 "$SYNTH" --resources 1000 --out "$PLAN_1K.tmp" --seed 1 >&2
    mv "$PLAN_1K.tmp" "$PLAN_1K"
fi
names=(db-deleted replace-cascade synth-1k)
declare -A plans=(
    [db-deleted]="testdata/plans/db-deleted/plan.json"
    [replace-cascade]="testdata/plans/replace-cascade/plan.json"
    [synth-1k]="target/screens/plan-1k.json"
)

status=0
for name in "${names[@]}"; do
    plan="${plans[$name]}"
    md="$WORK/$name.md"
    # Run from the repo root so the report shows the plan's relative path.
    rc=0
    (cd "$ROOT" && "$BLASTWALL" check "$plan" --format markdown) > "$md" || rc=$?
    # 0 = pass, 3 = blocked (normal for these plans); anything else is an error.
    if [[ $rc -ne 0 && $rc -ne 3 ]]; then
        echo "blastwall check $plan exited $rc" >&2
        exit 1
    fi
    node "$HELPER/render.mjs" --md "$md" --html "$WORK/$name.html" \
        --png-prefix "$OUT/$name" --expanded-png "$WORK/$name-expanded.png" \
        --title "blastwall: $name" --chromium "$CHROMIUM" || status=1
    for png in "$OUT/$name-collapsed.png" "$OUT/$name-details.png"; do
        # Lossy palette PNG (text stays crisp; PSNR ~57 dB): 1k-resource pages
        # are ~4-5k px tall and come out of Chromium at 650-850 KB. Exit 98/99
        # (no gain / quality floor not met) keeps Chromium's file.
        pngquant --quality=80-100 --speed 1 --strip --skip-if-larger --force \
            --output "$png" -- "$png" || true
        size=$(stat -c %s "$png")
        if ((size > MAX_PNG_BYTES)); then
            echo "warning: $png is $size bytes (> $MAX_PNG_BYTES)" >&2
        fi
    done
done
ls -l "$OUT"/*.png >&2
exit $status
