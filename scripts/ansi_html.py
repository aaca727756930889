#!/usr/bin/env python3
"""A tmux capture (`capture-pane -p -e`: text with SGR colour codes) as an
HTML page drawn like an 80x24 terminal, for a headless-browser screenshot.

Usage: ansi_html.py CAPTURE.ansi OUT.html TITLE
"""
import html
import re
import sys

COLOURS = {
    30: "#2e3436", 31: "#ef2929", 32: "#8ae234", 33: "#fce94f",
    34: "#729fcf", 35: "#ad7fa8", 36: "#34e2e2", 37: "#d3d7cf",
    90: "#555753", 91: "#ef2929", 92: "#8ae234", 93: "#fce94f",
    94: "#729fcf", 95: "#ad7fa8", 96: "#34e2e2", 97: "#eeeeec",
}
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def convert(text: str) -> str:
    out = []
    state = {"bold": False, "dim": False, "fg": None}
    pos = 0
    open_span = False
    for match in SGR.finditer(text):
        out.append(html.escape(text[pos:match.start()]))
        pos = match.end()
        codes = [int(code) for code in match.group(1).split(";") if code] or [0]
        for code in codes:
            if code == 0:
                state = {"bold": False, "dim": False, "fg": None}
            elif code == 1:
                state["bold"] = True
            elif code == 2:
                state["dim"] = True
            elif code == 22:
                state["bold"] = state["dim"] = False
            elif code in COLOURS:
                state["fg"] = COLOURS[code]
            elif code == 39:
                state["fg"] = None
        if open_span:
            out.append("</span>")
            open_span = False
        style = []
        if state["fg"]:
            style.append(f"color:{state['fg']}")
        if state["bold"]:
            style.append("font-weight:bold")
        if state["dim"]:
            style.append("opacity:0.6")
        if style:
            out.append(f'<span style="{";".join(style)}">')
            open_span = True
    out.append(html.escape(text[pos:]))
    if open_span:
        out.append("</span>")
    return "".join(out)


def main(capture: str, target: str, title: str) -> None:
    text = open(capture, encoding="utf-8").read()
    lines = text.split("\n")[:24]
    body = convert("\n".join(lines))
    page = f"""<!doctype html><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ margin: 0; background: #1e1e1e; }}
.bar {{ background: #3c3c3c; color: #ccc; font: 13px sans-serif; padding: 6px 12px; }}
pre {{ margin: 0; padding: 8px 12px; color: #d3d7cf; background: #1e1e1e;
       font: 15px/1.25 'DejaVu Sans Mono', 'Liberation Mono', monospace;
       width: 80ch; height: 30em; white-space: pre; }}
</style>
<div class="bar">{html.escape(title)} — 80×24</div>
<pre>{body}</pre>
"""
    open(target, "w", encoding="utf-8").write(page)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
