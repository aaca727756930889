#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step "comment" of action.yml: creates or updates the pull request's
# blastwall comment with the Markdown report, through the REST API:
#   GET   /repos/{owner}/{repo}/issues/{number}/comments   (every page)
#   PATCH /repos/{owner}/{repo}/issues/comments/{id}       the first comment whose
#                                                           body starts with the marker
#   POST  /repos/{owner}/{repo}/issues/{number}/comments   when there is none
# The token needs `pull-requests: write`. A comment that cannot be written
# (a pull request from a fork gets a read-only token) is a warning, not a
# failure: the gate decides the outcome, not the comment.
#
# Environment:
#   GITHUB_TOKEN       the github-token input
#   COMMENT_FILE       the Markdown report (output `markdown` of the check step)
#   PR_NUMBER          the pull-request input; default: from the event payload
#   COMMENT_KEY        the comment-key input: each key keeps its own comment
#                      (marker `<!-- blastwall-report:KEY -->`), so matrix jobs
#                      (staging, prod) do not overwrite each other; empty: the
#                      plain marker
#   GITHUB_EVENT_PATH GITHUB_REPOSITORY GITHUB_API_URL GITHUB_SERVER_URL
#   GITHUB_SHA (set by the runner)
# The comment ends with the commit it checked: the pull request's head (from
# the event), else GITHUB_SHA.
# Output: comment-url.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

bw_require curl jq
key=${COMMENT_KEY:-}
case "$key" in
'') marker='<!-- blastwall-report -->' ;;
*[!A-Za-z0-9._-]*) bw_die 2 "comment-key may hold only letters, digits, '.', '_' and '-'" ;;
*)
    [ "${#key}" -le 64 ] || bw_die 2 "comment-key is longer than 64 characters"
    marker="<!-- blastwall-report:$key -->"
    ;;
esac
api=${GITHUB_API_URL:-https://api.github.com}
api=${api%/}
repository=${GITHUB_REPOSITORY:-}
comment_file=${COMMENT_FILE:-}

if [ -z "$comment_file" ] || [ ! -s "$comment_file" ]; then
    bw_warning "no Markdown report to comment with"
    exit 0
fi

number=${PR_NUMBER:-}
if [ -z "$number" ] && [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
    number=$(bw_jq -r '
        .pull_request.number
        // (if .issue.pull_request then .issue.number else empty end)
        // empty' "$GITHUB_EVENT_PATH")
fi
if [ -z "$number" ]; then
    echo "Not a pull request (event ${GITHUB_EVENT_NAME:-unknown}): no comment. Set the pull-request input to comment anyway."
    exit 0
fi
case "$number" in
*[!0-9]*) bw_die 2 "pull-request must be a number, not '$number'" ;;
esac
case "$repository" in
?*/?*) ;;
*) bw_die 2 "GITHUB_REPOSITORY ('$repository') is not owner/name" ;;
esac
[ -n "${GITHUB_TOKEN:-}" ] || {
    bw_warning "github-token is empty: no comment"
    exit 0
}

work=$(bw_tempdir)
trap 'rm -rf "$work"' EXIT

# curl with the token in a config read from stdin, not on the command line.
# Prints the HTTP status; the body goes to $work/response.json.
api_call() {
    local method=$1 url=$2 body=${3:-}
    rm -f "$work/response.json"
    local args=(-sS -o "$work/response.json" -w '%{http_code}' -X "$method" --retry 2
        -H 'Accept: application/vnd.github+json'
        -H 'X-GitHub-Api-Version: 2022-11-28'
        -H 'User-Agent: blastwall-action')
    if [ -n "$body" ]; then
        args+=(-H 'Content-Type: application/json' --data-binary "@$body")
    fi
    local code
    code=$(printf 'header = "Authorization: Bearer %s"\n' "$GITHUB_TOKEN" |
        curl --config - "${args[@]}" "$url") || true
    printf '%s' "${code:-000}"
}

# A short reason for a failed call, for the warning.
api_failure() {
    local status=$1 message=
    if [ -s "$work/response.json" ]; then
        message=$(bw_jq -r '.message? // empty' "$work/response.json" 2>/dev/null | head -n 1 | cut -c1-200 || true)
    fi
    case "$status" in
    403 | 404) message="$message (a pull request from a fork gets a read-only token; the workflow needs permissions: pull-requests: write)" ;;
    esac
    printf 'HTTP %s %s' "$status" "$message"
}

# The id of our comment: paged through, the first whose body starts with the marker.
existing=
page=1
while [ "$page" -le 50 ]; do
    status=$(api_call GET "$api/repos/$repository/issues/$number/comments?per_page=100&page=$page")
    if [ "$status" != 200 ]; then
        bw_warning "could not list the comments of pull request #$number: $(api_failure "$status")"
        exit 0
    fi
    # shellcheck disable=SC2016 # $marker is jq's
    existing=$(bw_jq -r --arg marker "$marker" \
        '[.[] | select((.body // "") | startswith($marker)) | .id] | first // empty' \
        "$work/response.json")
    count=$(bw_jq -r 'length' "$work/response.json")
    if [ -n "$existing" ] || [ "$count" -lt 100 ]; then
        break
    fi
    page=$((page + 1))
done

# The commit checked: the pull request's head, else the workflow's commit.
sha=
if [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
    sha=$(bw_jq -r '.pull_request.head.sha // empty' "$GITHUB_EVENT_PATH")
fi
sha=${sha:-${GITHUB_SHA:-}}
case "$sha" in
*[!0-9a-f]* | '') sha= ;;
esac
server=${GITHUB_SERVER_URL:-https://github.com}
server=${server%/}

# The body: this key's marker first (the report's first line is the plain
# one), then the report, then the commit it is about.
{
    printf '%s\n' "$marker"
    if [ "$(head -n 1 "$comment_file")" = '<!-- blastwall-report -->' ]; then
        tail -n +2 "$comment_file"
    else
        cat "$comment_file"
    fi
    if [ -n "$sha" ]; then
        # shellcheck disable=SC2016 # the backquotes are Markdown
        printf '\n<sub>Checked commit [`%s`](%s/%s/commit/%s)' "${sha:0:12}" "$server" "$repository" "$sha"
        # shellcheck disable=SC2016 # the backquotes are Markdown
        [ -z "$key" ] || printf ' · comment key `%s`' "$key"
        printf '</sub>\n'
    fi
} >"$work/comment.md"
jq -Rs '{body: .}' <"$work/comment.md" >"$work/body.json"
if [ -n "$existing" ]; then
    status=$(api_call PATCH "$api/repos/$repository/issues/comments/$existing" "$work/body.json")
    if [ "$status" = 200 ]; then
        url=$(bw_jq -r '.html_url // empty' "$work/response.json")
        echo "Updated the blastwall comment on pull request #$number: $url"
        bw_output comment-url "$url"
        exit 0
    fi
    # Someone else's comment, or deleted meanwhile: write a new one.
    echo "Could not update comment $existing ($(api_failure "$status")); posting a new one"
fi
status=$(api_call POST "$api/repos/$repository/issues/$number/comments" "$work/body.json")
if [ "$status" = 201 ]; then
    url=$(bw_jq -r '.html_url // empty' "$work/response.json")
    echo "Commented on pull request #$number: $url"
    bw_output comment-url "$url"
else
    bw_warning "could not comment on pull request #$number: $(api_failure "$status")"
fi
