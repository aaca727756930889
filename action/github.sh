# shellcheck shell=bash
# GitHub REST API helpers for trust.sh and approvals.sh (sourced after lib.sh).
# Needs GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and a scratch
# directory in $gh_work (set by the caller). The token goes to curl through a config on stdin,
# never on a command line.

gh_api_base() {
    local api=${GITHUB_API_URL:-https://api.github.com}
    printf '%s' "${api%/}"
}

# gh_get URL OUT: GET into the file OUT; prints the HTTP status (000 when
# curl failed).
gh_get() {
    local url=$1 out=$2 code
    rm -f "$out"
    code=$(printf 'header = "Authorization: Bearer %s"\n' "${GITHUB_TOKEN:-}" |
        curl --config - -sS -o "$out" -w '%{http_code}' --retry 2 \
            -H 'Accept: application/vnd.github+json' \
            -H 'X-GitHub-Api-Version: 2022-11-28' \
            -H 'User-Agent: blastwall-action' "$url" 2>/dev/null) || true
    printf '%s' "${code:-000}"
}

# gh_get_all PATH OUT: every page of a list endpoint (per_page=100), as one
# JSON array in OUT. Returns 1 (status in $gh_status) when a page fails or
# is not a list; stops after 50 pages.
gh_get_all() {
    : "${gh_work:?gh_work is not set}"
    local path=$1 out=$2 page=1 count separator='?'
    case "$path" in *\?*) separator='&' ;; esac
    echo '[]' >"$out"
    while [ "$page" -le 50 ]; do
        gh_status=$(gh_get "$(gh_api_base)$path${separator}per_page=100&page=$page" "$gh_work/page.json")
        [ "$gh_status" = 200 ] || return 1
        count=$(bw_jq -r 'if type == "array" then length else "no" end' "$gh_work/page.json" 2>/dev/null) || count=no
        [ "$count" != no ] || {
            gh_status="$gh_status (not a list)"
            return 1
        }
        jq -s '.[0] + .[1]' "$out" "$gh_work/page.json" >"$gh_work/gh-all.json"
        mv "$gh_work/gh-all.json" "$out"
        [ "$count" -ge 100 ] || return 0
        page=$((page + 1))
    done
    return 0
}

# The `github_logins` or `coauthor` lists of rules/authors.toml (the file in
# $1), lowercased, one a line. Single- or multi-line arrays of "strings".
gh_agent_list() {
    awk -v key="$2" '
        # Scans the text of one array, from after its "[", character by
        # character: strings are emitted, "]" outside a string closes it,
        # "#" outside a string starts a comment.
        function scan(text,   i, c, value, in_string) {
            for (i = 1; i <= length(text); i++) {
                c = substr(text, i, 1)
                if (in_string) {
                    if (c == "\\") { value = value substr(text, i + 1, 1); i++ }
                    else if (c == "\"") { if (value != "") print tolower(value); in_string = 0 }
                    else value = value c
                } else if (c == "\"") { in_string = 1; value = "" }
                else if (c == "]") return 0
                else if (c == "#") return 1
            }
            return 1
        }
        open { open = scan($0); next }
        $0 ~ ("^[ \t]*" key "[ \t]*=[ \t]*\\[") {
            open = scan(substr($0, index($0, "[") + 1))
        }
    ' "$1"
}

# Whether an account is a bot: type Bot, or a login ending in [bot].
gh_is_bot() {
    local login=$1 type=${2:-}
    [ "$type" = Bot ] && return 0
    case "$login" in *'[bot]') return 0 ;; esac
    return 1
}
