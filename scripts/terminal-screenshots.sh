#!/usr/bin/env bash
# Screenshots of the terminal report as a person sees it: each plan below is
# checked inside a real 80x24 terminal (tmux), the screen is captured as text
# (docs/screenshots/terminal-<name>.txt) and, with its colours, drawn as HTML
# and photographed by headless Chromium (docs/screenshots/terminal-<name>.png).
#
# Usage: scripts/terminal-screenshots.sh
# Needs: tmux, python3; /usr/bin/chromium for the PNGs (skipped without it).
# Env: CHROMIUM=/path/to/chromium to use another binary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/target/screens"
OUT="$ROOT/docs/screenshots"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
mkdir -p "$WORK" "$OUT"

(cd "$ROOT" && cargo build --quiet)
BLASTWALL="$ROOT/target/debug/blastwall"

for name in db-deleted teardown no-changes; do
    session="blastwall-shot-$$"
    # The report in colour, as at a terminal; the pane stays open to be read.
    tmux new-session -d -s "$session" -x 80 -y 24 \
        "cd '$ROOT' && env -u CI -u NO_COLOR '$BLASTWALL' check --color always testdata/plans/$name/plan.json; sleep 60"
    sleep 2
    tmux capture-pane -p -t "$session" > "$OUT/terminal-$name.txt"
    tmux capture-pane -p -e -t "$session" > "$WORK/terminal-$name.ansi"
    tmux kill-session -t "$session"
    if [[ -x "$CHROMIUM" ]]; then
        python3 "$ROOT/scripts/ansi_html.py" "$WORK/terminal-$name.ansi" \
            "$WORK/terminal-$name.html" "blastwall check testdata/plans/$name/plan.json"
        "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
            --window-size=780,560 --screenshot="$OUT/terminal-$name.png" \
            "file://$WORK/terminal-$name.html" >/dev/null 2>&1
    fi
done
ls -l "$OUT"/terminal-* >&2
