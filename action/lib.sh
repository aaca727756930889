# shellcheck shell=bash
# Helpers shared by the action's scripts (sourced, not run).
#
# Portable to the bash of every GitHub-hosted runner: Linux, macOS (which may
# run Apple's bash 3.2) and Windows (Git Bash). So: no associative arrays, no
# mapfile, no ${var,,}, and empty arrays expanded as ${a[@]+"${a[@]}"}.
# Tools used: curl and jq (both on every GitHub-hosted runner image), tar,
# and sha256sum or shasum.

# Escapes a value for a workflow command (`::warning::…`), so that a newline
# or a `%` in it cannot start another command.
bw_escape() {
    local value=$1 cr=$'\r' nl=$'\n'
    value=${value//\%/%25}
    value=${value//$cr/%0D}
    value=${value//$nl/%0A}
    printf '%s' "$value"
}

bw_notice() { printf '::notice title=blastwall::%s\n' "$(bw_escape "$*")"; }
bw_warning() { printf '::warning title=blastwall::%s\n' "$(bw_escape "$*")"; }
bw_error() { printf '::error title=blastwall::%s\n' "$(bw_escape "$*")"; }

# Prints an error annotation and exits with the given code (default 1).
bw_die() {
    local code=1
    if [ "$#" -gt 1 ]; then
        code=$1
        shift
    fi
    bw_error "$*"
    exit "$code"
}

# Writes one single-line step output.
bw_output() {
    local name=$1 value=$2
    case "$value" in
    *$'\n'* | *$'\r'*) bw_die "output $name would span lines" ;;
    esac
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$name" "$value" >>"$GITHUB_OUTPUT"
    else
        printf '%s=%s\n' "$name" "$value"
    fi
}

# Exits with a usage error unless the value is true or false.
bw_bool() {
    local name=$1 value=$2
    case "$value" in
    true | false) ;;
    *) bw_die 2 "input $name must be true or false, not '$value'" ;;
    esac
}

bw_is_windows() {
    case "${RUNNER_OS:-}" in
    Windows) return 0 ;;
    Linux | macOS) return 1 ;;
    esac
    case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) return 0 ;;
    esac
    return 1
}

# A path that both this bash and native programs understand: on Windows the
# mixed form C:/a/b (Git Bash accepts it, and so does every Windows program);
# elsewhere unchanged.
bw_path() {
    if bw_is_windows && command -v cygpath >/dev/null 2>&1; then
        cygpath -m -- "$1"
    else
        printf '%s' "$1"
    fi
}

# Runs jq and drops carriage returns (jq for Windows may write CRLF).
bw_jq() {
    jq "$@" | tr -d '\r'
}

bw_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 ||
            bw_die "$tool is not installed: the blastwall action needs bash, curl and jq (all on GitHub-hosted runners)"
    done
}

# A fresh directory under $RUNNER_TEMP (or the system temporary directory).
bw_tempdir() {
    local base=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
    base=$(bw_path "$base")
    mkdir -p "$base"
    bw_path "$(mktemp -d "$base/blastwall.XXXXXX")"
}

# A random token for `::stop-commands::`: while it is in force the runner
# parses no workflow command (neither `::name::` nor `##[name]`) until the
# line `::TOKEN::`, so output we do not control (the plan's strings in the
# report, blastwall's messages, file names) cannot set outputs, mask values
# or forge annotations. Unguessable, so that output cannot end it early.
bw_stop_token() {
    local token
    token=$(od -An -N16 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n') || token=
    [ "${#token}" -ge 32 ] || token=blastwall$RANDOM$RANDOM$RANDOM$RANDOM$$
    printf 'blastwall-%s' "$token"
}

# bw_untrusted COMMAND...: runs COMMAND with its stdout and stderr printed
# between `::stop-commands::TOKEN` and `::TOKEN::`. Returns its status.
bw_untrusted() {
    local token status=0
    token=$(bw_stop_token)
    printf '::stop-commands::%s\n' "$token"
    "$@" 2>&1 || status=$?
    # The output may not end with a newline: the resume must start a line.
    printf '\n::%s::\n' "$token"
    return "$status"
}

# One line for the log from a value we do not control (a file name, a
# login): control characters as \n, \r, \t or \xHH, and `::` and `##[`
# broken so that no part of it can be read as a workflow command.
bw_quote() {
    printf '%s' "$1" | LC_ALL=C od -An -v -tx1 | tr -s ' ' '\n' | sed '/^$/d' | {
        local out='' hex
        while read -r hex; do
            case "$hex" in
            0a) out="$out\\n" ;;
            0d) out="$out\\r" ;;
            09) out="$out\\t" ;;
            5c) out="$out\\\\" ;;
            [01]? | 7f) out="$out\\x$hex" ;;
            *)
                # shellcheck disable=SC2059 # $hex is two hex digits, from od
                out="$out$(printf "\\x$hex")"
                ;;
            esac
        done
        out=${out//::/:\\x3a}
        out=${out//\#\#\[/#\\x23[}
        printf '%s' "$out"
    }
}

# bw_insert_notes MARKDOWN NOTES: puts the Markdown lines of NOTES after the
# first line of MARKDOWN (the comment's marker, which must stay first).
bw_insert_notes() {
    local file=$1 notes=$2
    {
        head -n 1 "$file"
        printf '\n'
        cat "$notes"
        printf '\n'
        tail -n +2 "$file"
    } >"$file.new"
    mv "$file.new" "$file"
}
