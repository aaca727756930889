#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step "approvals" of action.yml, on a pull request whose plan the check
# blocked (exit 3): looks for a person's approval of that exact plan.
#
# An approval is a line `/blastwall approve <fingerprint>` (the plan's
# fingerprint from the JSON report, `blake3:` optional, at least its first 12
# hex digits) at the start of a line of an issue comment, a review, or a
# review comment of the pull request (GET /repos/{o}/{r}/issues/{n}/comments,
# /pulls/{n}/reviews, /pulls/{n}/comments, every page), by an account that:
#   - is not a bot (type Bot, or a login ending in [bot]);
#   - is neither the pull request's author nor the author of one of its
#     commits (the two-person rule: the file PEOPLE from the trust step);
#   - has write access (GET /repos/{o}/{r}/collaborators/{login}/permission:
#     admin, maintain or write).
# It binds to the fingerprint: a push that changes the plan changes it, and
# the old comment no longer matches. Every plan of the report must be
# approved for the gate to let the pull request pass. Approval records in the
# repository count only from the base branch (see trust.sh), through
# blastwall itself.
#
# Outputs: approved (true|false), approved-by (logins). Appends what was
# honoured, what was not and why, and how to approve, to the comment.
#
# Environment: GITHUB_TOKEN, PR_NUMBER, PR_AUTHOR, PEOPLE, REPORT, COMMENT_FILE,
# and the runner's GITHUB_* variables.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=github.sh
. "$(dirname "$0")/github.sh"

bw_require curl jq
repository=${GITHUB_REPOSITORY:-}
number=${PR_NUMBER:-}
report=${REPORT:-}
comment_file=${COMMENT_FILE:-}
bw_output approved false
case "$number" in
'' | *[!0-9]*) bw_die 2 "no pull request number" ;;
esac
[ -f "$report" ] || bw_die 1 "no JSON report"

gh_work=$(bw_tempdir)
notes=$gh_work/notes.md
: >"$notes"
note() { printf -- '%s\n' "$*" >>"$notes"; }

# The fingerprints to approve, hex only: every plan of the report.
bw_jq -r '.plans[].fingerprint // empty | ascii_downcase | sub("^blake3:"; "")' "$report" |
    grep -E '^[0-9a-f]{12,}$' | sort -u >"$gh_work/fingerprints.txt" || true
if [ ! -s "$gh_work/fingerprints.txt" ]; then
    echo "The report names no plan fingerprint: nothing can be approved"
    exit 0
fi
first_fingerprint=$(head -n 1 "$gh_work/fingerprints.txt")
how="A person with write access who is neither the author of this pull request nor of its commits approves this exact plan by commenting \`/blastwall approve blake3:${first_fingerprint:0:16}\`; a push that changes the plan needs a new approval."

finish() {
    if [ -n "$comment_file" ] && [ -s "$comment_file" ] && [ -s "$notes" ]; then
        bw_insert_notes "$comment_file" "$notes"
    fi
}
trap finish EXIT

if [ -z "${GITHUB_TOKEN:-}" ]; then
    note "- No approval can be looked for without a token. $how"
    exit 0
fi

# Every comment-like text of the pull request: login, type, url, body.
all=$gh_work/all.json
echo '[]' >"$all"
for path in "issues/$number/comments" "pulls/$number/reviews" "pulls/$number/comments"; do
    if gh_get_all "/repos/$repository/$path" "$gh_work/list.json"; then
        jq -s '.[0] + [.[1][] | {login: (.user.login // ""), type: (.user.type // ""),
            url: (.html_url // ""), body: (.body // "")}]' "$all" "$gh_work/list.json" >"$gh_work/next.json"
        mv "$gh_work/next.json" "$all"
    else
        echo "Could not read /repos/$repository/$path (HTTP $gh_status)"
        note "- The pull request's \`$path\` could not be read (HTTP $gh_status): approvals there were not looked for."
    fi
done

# One line an approval request: login, type, fingerprint as written, url.
# shellcheck disable=SC2016 # jq's $c
bw_jq -r '.[] | . as $c | ($c.body | split("\n")[] | ltrimstr("\r") | rtrimstr("\r")
        | capture("^\\s*/blastwall\\s+approve\\s+(?<fp>\\S+)\\s*$"; "i").fp) as $fp
    | [$c.login, $c.type, $fp, $c.url] | map(gsub("[[:cntrl:]`|]"; "?")) | join("\u001f")' \
    "$all" >"$gh_work/requests.tsv"

approved_list=$gh_work/approved.txt
: >"$approved_list"
approvers=
requests=0
while IFS=$'\x1f' read -r login type written url; do
    requests=$((requests + 1))
    lower=$(printf '%s' "$login" | tr '[:upper:]' '[:lower:]')
    hex=$(printf '%s' "$written" | tr '[:upper:]' '[:lower:]')
    hex=${hex#blake3:}
    who="@$login"
    reason=
    if ! [[ $login =~ ^[A-Za-z0-9-]+(\[bot\])?$ ]]; then
        reason="\`$login\` is not a GitHub login"
        who=someone
    elif gh_is_bot "$login" "$type"; then
        reason="$who is a bot"
    elif [ -n "${PR_AUTHOR:-}" ] && [ "$lower" = "$(printf '%s' "$PR_AUTHOR" | tr '[:upper:]' '[:lower:]')" ]; then
        reason="$who opened this pull request; the two-person rule wants someone else"
    elif [ -n "${PEOPLE:-}" ] && [ -f "$PEOPLE" ] && grep -qxF -- "$lower" "$PEOPLE"; then
        reason="$who wrote commits of this pull request; the two-person rule wants someone else"
    elif ! [[ $hex =~ ^[0-9a-f]{12,}$ ]]; then
        reason="\`$written\` is not a fingerprint (at least its first 12 hex digits)"
    else
        match=$(awk -v prefix="$hex" 'index($0, prefix) == 1' "$gh_work/fingerprints.txt")
        if [ -z "$match" ]; then
            reason="\`$written\` is the fingerprint of another plan, not the one checked now (a push that changes the plan needs a new approval)"
        else
            status=$(gh_get "$(gh_api_base)/repos/$repository/collaborators/$login/permission" "$gh_work/permission.json")
            permission=none
            if [ "$status" = 200 ]; then
                # shellcheck disable=SC2016 # jq's $p, $r
                permission=$(bw_jq -r '(.permission // "none") as $p | (.role_name // "") as $r
                    | if ($r == "admin" or $r == "maintain" or $r == "write") then $r else $p end' "$gh_work/permission.json")
            fi
            case "$permission" in
            admin | maintain | write)
                printf '%s\n' "$match" >>"$approved_list"
                case " $approvers " in *" $login "*) ;; *) approvers="$approvers${approvers:+ }$login" ;; esac
                echo "Approval honoured: $(bw_quote "$login") ($permission access) for blake3:${hex:0:16}"
                note "- ✅ Approved by $who ($permission access) for \`blake3:${hex:0:16}…\` ($url)."
                continue
                ;;
            esac
            if [ "$status" = 200 ]; then
                reason="$who has $permission access, not write"
            else
                reason="$who's access could not be read (HTTP $status)"
            fi
        fi
    fi
    echo "Approval not honoured: $(bw_quote "$reason")"
    note "- Not honoured: \`/blastwall approve\` by $reason."
done <"$gh_work/requests.tsv"

missing=$(sort -u "$approved_list" | comm -23 "$gh_work/fingerprints.txt" -)
if [ -z "$missing" ]; then
    bw_output approved true
    bw_output approved-by "$approvers"
    echo "Every plan is approved on the pull request by: $approvers"
else
    [ "$requests" -gt 0 ] || echo "No /blastwall approve comment on pull request #$number"
    note "- ⛔ Not approved. $how"
fi
