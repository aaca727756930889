#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step "check" of action.yml: runs `blastwall check` on the plans and writes
# the reports into a fresh directory under $RUNNER_TEMP:
#   report.json   the JSON report (the gate: its exit code is the step's verdict)
#   comment.md    the Markdown report (the pull-request comment)
#   report.sarif  SARIF 2.1.0, when SARIF is true or file
# One blastwall run writes them all. It prints the human report in a log group and the GitHub annotations
# (ANNOTATIONS=true), which also append the Markdown report to
# $GITHUB_STEP_SUMMARY (SUMMARY=true).
#
# The step succeeds on pass, warn and fail alike: the gate's exit code goes to
# the output `exit-code`, and action/gate.sh fails the action with it after the
# comment and the SARIF upload. A check with no verdict (bad input: exit 1,
# usage: exit 2) fails this step at once.
#
# Environment (the action's inputs):
#   BLASTWALL_BIN      the binary (output `bin` of the install step)
#   PLAN               plan files, globs or directories, one a line (default: .)
#   WORKING_DIRECTORY  what relative paths in PLAN, CONFIG, APPROVALS and RULES
#                      are relative to (default: .)
#   CONFIG PROFILE AUTHOR FAIL_ON (warn|fail|never) APPROVALS RULES (one a line)
#   SARIF (true|file|false) ANNOTATIONS SUMMARY (true|false)
#   TRUST_BASE TRUST_CONFIG TRUST_AUTHOR TRUST_REASON TRUST_NOTES  the outputs
#                      base, config, author, author-reason and notes of the
#                      trust step (action/trust.sh), on pull requests: then
#                      the config, approvals and rules come from the base
#                      commit's copy (TRUST_BASE), never from the workspace,
#                      and the author is the one trust.sh established
#
# Nothing blastwall prints reaches the log as a workflow command: its report
# and messages hold the plan's strings, so they are printed between
# `::stop-commands::TOKEN` and `::TOKEN::` (bw_untrusted); only the
# annotations file, which blastwall escapes, is printed as commands.
# Outputs: verdict (pass|warn|fail, or error), score, exit-code, report,
# markdown, sarif, directory.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

bw_require jq
bin=${BLASTWALL_BIN:-blastwall}
workdir=${WORKING_DIRECTORY:-.}
workdir=${workdir%/}
[ -n "$workdir" ] || workdir=/
[ -d "$workdir" ] || bw_die 2 "working-directory '$workdir' is not a directory"

fail_on=${FAIL_ON:-fail}
case "$fail_on" in
warn | fail | never) ;;
*) bw_die 2 "fail-on must be warn, fail or never, not '$fail_on'" ;;
esac
sarif=${SARIF:-false}
case "$sarif" in
true | false | file) ;;
*) bw_die 2 "sarif must be true, false or file, not '$sarif'" ;;
esac
annotations=${ANNOTATIONS:-true}
summary=${SUMMARY:-true}
bw_bool annotations "$annotations"
bw_bool summary "$summary"

is_absolute() {
    case "$1" in
    /* | [A-Za-z]:[/\\]* | \\\\*) return 0 ;;
    esac
    return 1
}

# A path as the caller wrote it, relative to the working directory, made
# relative to the current directory (the workspace), so that reports and SARIF
# name files the way the repository does.
from_workdir() {
    if [ "$1" = - ] || is_absolute "$1" || [ "$workdir" = . ]; then
        printf '%s\n' "$1"
    elif [ "$1" = . ]; then
        printf '%s\n' "$workdir"
    else
        printf '%s\n' "$workdir/${1#./}"
    fi
}

# Prints the lines of a multi-line input, trimmed, without blank ones.
lines_of() {
    printf '%s\n' "$1" | tr -d '\r' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'
}

# Adds one line of PLAN to `plans`: a glob adds the paths it matches (an
# error when it matches none), anything else is passed on for blastwall to
# read or reject with its own message.
add_plan() {
    local pattern=$1
    case "$pattern" in
    *[*?[]*) ;;
    *)
        plans+=("$(from_workdir "$pattern")")
        return
        ;;
    esac
    local here found match
    here=$(pwd)
    cd -- "$workdir"
    shopt -s nullglob
    shopt -s globstar 2>/dev/null || true # bash 4+: ** spans directories
    local IFS=
    # shellcheck disable=SC2206 # the glob is meant to expand here
    found=($pattern)
    shopt -u nullglob
    shopt -u globstar 2>/dev/null || true
    cd -- "$here"
    [ "${#found[@]}" -gt 0 ] || bw_die 1 "plan '$pattern' matches no file in '$workdir'"
    for match in "${found[@]}"; do
        plans+=("$(from_workdir "$match")")
    done
}

plans=()
plan_input=$(lines_of "${PLAN:-}")
[ -n "$plan_input" ] || plan_input=.
while IFS= read -r line; do
    add_plan "$line"
done <<<"$plan_input"

# On a pull request: a path of the config, approvals or rules inputs, in the
# base commit's copy.
base=${TRUST_BASE:-}
from_base() {
    if is_absolute "$1"; then
        printf '%s\n' "$1"
    else
        printf '%s\n' "$base/${1#./}"
    fi
}
input_path() {
    if [ -n "$base" ]; then from_base "$1"; else from_workdir "$1"; fi
}

args=()
config=${CONFIG:-}
if [ -n "$base" ]; then
    [ -n "${TRUST_CONFIG:-}" ] || bw_die 1 "no configuration from the base commit (the trust step did not run)"
    args+=(--config "$TRUST_CONFIG")
elif [ -n "$config" ]; then
    args+=(--config "$(from_workdir "$config")")
elif [ "$workdir" != . ] && [ -f "$workdir/blastwall.toml" ]; then
    # blastwall looks for ./blastwall.toml; the caller's is in the working directory.
    args+=(--config "$workdir/blastwall.toml")
fi
[ -z "${PROFILE:-}" ] || args+=(--profile "$PROFILE")
# The author. On a pull request the workflow's inputs and environment are
# the head's: `human` is never passed on their word. trust.sh's agent wins;
# else blastwall detects (auto).
author=${AUTHOR:-auto}
case "$author" in
agent | human | auto) ;;
*) bw_die 2 "author must be agent, human or auto, not '$author'" ;;
esac
if [ -n "$base" ]; then
    if [ "${TRUST_AUTHOR:-}" = agent ]; then
        if [ "$author" = human ]; then
            bw_die 2 "an agent cannot choose the human profile: ${TRUST_REASON:-an agent wrote this pull request}. A person with write access approves this exact plan with a /blastwall approve <fingerprint> comment"
        fi
        author=agent
    elif [ "$author" = human ]; then
        echo "author: human is not taken from a pull request's workflow; blastwall detects the author"
        author=auto
    fi
    [ "${BLASTWALL_AUTHOR:-}" != agent ] || author=agent
fi
[ "$author" = auto ] || args+=(--author "$author")
while IFS= read -r path; do
    [ -z "$path" ] || args+=(--approvals "$(input_path "$path")")
done <<<"$(lines_of "${APPROVALS:-}")"
while IFS= read -r path; do
    [ -z "$path" ] || args+=(--rules "$(input_path "$path")")
done <<<"$(lines_of "${RULES:-}")"

gate=(--fail-on "$fail_on")
if [ "$fail_on" = never ]; then
    gate=(--exit-zero)
fi

out=$(bw_tempdir)
report=$out/report.json
markdown=$out/comment.md
printf 'blastwall check'
for arg in ${args[@]+"${args[@]}"} --; do printf " %s" "$(bw_quote "$arg")"; done
for arg in "${plans[@]}"; do printf " '%s'" "$(bw_quote "$arg")"; done
echo

# One analysis writes every report: the JSON report on stdout (the gate:
# its exit code) and the others to files with --write.
writes=(--write "markdown=$markdown" --write "human=$out/human.txt")
[ "$sarif" = false ] || writes+=(--write "sarif=$out/report.sarif")
[ "$annotations" = false ] || writes+=(--write "github=$out/annotations.txt")
step_summary=${GITHUB_STEP_SUMMARY:-}
# The github format appends the Markdown report to the job summary; without
# `summary`, it must not.
[ "$summary" = true ] || step_summary=''

# A BLASTWALL_AUTHOR=human in the job's environment (GITHUB_ENV is writable
# by any earlier step) does not count on a pull request.
unset_author=()
[ -z "$base" ] || unset_author=(-u BLASTWALL_AUTHOR)
status=0
env ${unset_author[@]+"${unset_author[@]}"} GITHUB_STEP_SUMMARY="$step_summary" "$bin" check ${args[@]+"${args[@]}"} "${gate[@]}" --color always \
    --format json "${writes[@]}" -- "${plans[@]}" >"$report" 2>"$out/check.stderr" || status=$?
# Warnings (skipped files, expired ignores…) and errors, once, as data.
if [ -s "$out/check.stderr" ]; then
    bw_untrusted cat "$out/check.stderr" >&2
fi
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    bw_output verdict error
    bw_output exit-code "$status"
    bw_die "$status" "blastwall gave no verdict (exit $status): $(tail -n 5 "$out/check.stderr")"
fi
verdict=$(bw_jq -r '.verdict // empty' "$report")
score=$(bw_jq -r '.score // empty' "$report")
case "$verdict" in
pass | warn | fail) ;;
*) bw_die 1 "the JSON report has no verdict" ;;
esac
bw_output verdict "$verdict"
bw_output score "$score"
bw_output exit-code "$status"
bw_output report "$report"
bw_output directory "$out"

echo "::group::blastwall report"
bw_untrusted cat "$out/human.txt"
echo "::endgroup::"

# The trust step's notes (author, configuration changed by the pull
# request), under the comment's first line (the marker).
if [ -n "${TRUST_NOTES:-}" ] && [ -s "$TRUST_NOTES" ] && [ -s "$markdown" ]; then
    bw_insert_notes "$markdown" "$TRUST_NOTES"
fi
bw_output markdown "$markdown"
if [ "$annotations" = true ]; then
    cat "$out/annotations.txt"
elif [ "$summary" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$markdown" ]; then
    cat "$markdown" >>"$GITHUB_STEP_SUMMARY"
fi

if [ "$sarif" != false ]; then
    bw_output sarif "$out/report.sarif"
else
    bw_output sarif ""
fi
