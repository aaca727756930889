#!/usr/bin/env bash
# Local test of the GitHub Action (action.yml and action/*.sh), without GitHub.
#
# A simulated runner (tests/action/runner.py) runs action.yml's steps as the
# Actions runner does, with a fake event (GITHUB_EVENT_PATH: pull request #42
# of owner/name), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP files, and
# a fake GitHub API (tests/action/fake_github.py) on 127.0.0.1 that records
# every request and also serves release assets. Cases:
#   1 db-deleted plan, no comment yet: verdict fail, gate exit 3, a POST comment
#     starting with the marker, outputs, step summary, SARIF handed to upload
#   2 no-changes plan installed from a (fake) release, comment on page 2:
#     PATCH of that comment, not the one quoting the marker; exit 0
#   3 a release whose checksum does not match: install fails, nothing else runs
#   4 push event, plan-command in a working directory, a glob, fail-on never:
#     verdict fail but exit 0, no API call
#   5 a fork's read-only token (403): warning, the gate still decides
#   …
#   13 comment-key: one comment per matrix key, the checked commit named
#
# Builds nothing: uses BLASTWALL_BIN (default target/debug/blastwall, so run
# `cargo build` first). Needs bash, curl, jq, tar and a python3 with PyYAML
# ($PYTHON, else python3, else /usr/bin/python3).
# Usage: tests/action/run-local.sh    exits non-zero on any mismatch
# shellcheck disable=SC2016 # `bash -c '…' ARG` checks expand inside, on purpose
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

bin=${BLASTWALL_BIN:-target/debug/blastwall}
case "$bin" in
/*) ;;
*) bin=$repo/$bin ;;
esac
if [ ! -x "$bin" ]; then
    echo "run-local: no blastwall binary at $bin (run cargo build, or set BLASTWALL_BIN)" >&2
    exit 1
fi
for tool in curl jq tar; do
    command -v "$tool" >/dev/null || {
        echo "run-local: $tool is not installed" >&2
        exit 1
    }
done
# A Python with PyYAML for the simulated runner: $PYTHON, python3, or Debian's.
python=
for candidate in ${PYTHON:+"$PYTHON"} python3 /usr/bin/python3; do
    if "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$candidate
        break
    fi
done
[ -n "$python" ] || {
    echo "run-local: no python3 with PyYAML (pip install pyyaml, or set PYTHON)" >&2
    exit 1
}

tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "${failures:-0}" -eq 0 ]; then
        rm -rf "$tmp"
    else
        echo "run-local: the cases' files (log, requests, outputs) are kept in $tmp" >&2
    fi
}
trap cleanup EXIT

failures=0
passes=0
fail() {
    echo "  FAIL: $*"
    failures=$((failures + 1))
}
pass() {
    echo "  ok: $*"
    passes=$((passes + 1))
}
check() { # check DESCRIPTION COMMAND...
    local description=$1
    shift
    if "$@"; then pass "$description"; else fail "$description"; fi
}

# The fake GitHub.
mkdir -p "$tmp/files"
"$python" tests/action/fake_github.py --port-file "$tmp/port" --log "$tmp/requests.jsonl" \
    --mode-file "$tmp/mode" --files "$tmp/files" --lifetime 600 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$tmp/port" ] && break
    sleep 0.1
done
[ -s "$tmp/port" ] || {
    echo "run-local: the fake GitHub did not start" >&2
    exit 1
}
port=$(cat "$tmp/port")
api=http://127.0.0.1:$port
echo "fake GitHub API on $api"

# `version: path` finds this blastwall.
mkdir -p "$tmp/path"
ln -s "$bin" "$tmp/path/blastwall"

# Release assets, as the release workflow publishes them
# (scripts/package-release.sh): the binary in a directory of a tar.gz, and
# its SHA-256 beside it.
case "$(uname -s)/$(uname -m)" in
Linux/x86_64) target=x86_64-unknown-linux-musl ;;
Linux/aarch64) target=aarch64-unknown-linux-musl ;;
Darwin/x86_64) target=x86_64-apple-darwin ;;
Darwin/arm64) target=aarch64-apple-darwin ;;
*) target=unknown ;;
esac
asset=blastwall-$target.tar.gz
mkdir -p "$tmp/files/owner/name/releases/download/v9.9.8"
# Packaged by the release workflow's own script.
bash scripts/package-release.sh asset "$target" "$bin" "$tmp/files/owner/name/releases/download/v9.9.9" >/dev/null
cp "$tmp/files/owner/name/releases/download/v9.9.9/$asset" "$tmp/files/owner/name/releases/download/v9.9.8/"
echo "0000000000000000000000000000000000000000000000000000000000000000  $asset" \
    >"$tmp/files/owner/name/releases/download/v9.9.8/$asset.sha256"

# The pull request's repository: origin.git with main (the base: a strict
# blastwall.toml) and feature (the head): a first commit co-authored by
# Claude, then a second that relaxes blastwall.toml, trusts an approvals
# directory and adds an approval record of the db-deleted plan. The
# workspace is a shallow clone of the head (actions/checkout's default
# depth 1): the trailer is not in it.
git_quiet() { git -c user.name=Octo -c user.email=octocat@example.com -c init.defaultBranch=main -c advice.detachedHead=false "$@" >/dev/null; }
src=$tmp/src
fingerprint=$("$bin" check --format json --exit-zero testdata/plans/db-deleted/plan.json | jq -r '.plans[0].fingerprint')
git_quiet init -q "$src"
printf '# the base branch: built-in thresholds\n' >"$src/blastwall.toml"
git_quiet -C "$src" add -A
git_quiet -C "$src" commit -q -m "base"
base_sha=$(git -C "$src" rev-parse HEAD)
git_quiet -C "$src" checkout -q -b feature
echo "resource" >"$src/main.tf"
git_quiet -C "$src" add -A
git_quiet -C "$src" commit -q -m "Delete the orders database" -m "Co-authored-by: Claude <noreply@anthropic.com>"
cat >"$src/blastwall.toml" <<'EOF'
[profiles.agent]
max_share_of_state = 1.0
max_blast_radius = 1000
[profiles.human]
max_share_of_state = 1.0
[severity]
data-loss = "off"
[[ignore]]
rule = "data-loss"
address = "*"
reason = "trust me"
[approvals]
trusted = [".blastwall/approvals"]
EOF
mkdir -p "$src/.blastwall/approvals"
jq -n --arg fp "$fingerprint" '{approval_version: 1, fingerprint: $fp, plan: "plan.json", by: "alice",
    reason: null, accepts: [{rule: "data-loss", address: "aws_db_instance.orders"}]}' \
    >"$src/.blastwall/approvals/db.json"
git_quiet -C "$src" add -A
git_quiet -C "$src" commit -q -m "Tidy the configuration"
head_sha=$(git -C "$src" rev-parse HEAD)
git_quiet clone -q --bare "$src" "$tmp/origin.git"
ws=$tmp/pr
git_quiet clone -q --depth=1 --branch feature "file://$tmp/origin.git" "$ws"
mkdir -p "$ws/plans"
cp testdata/plans/db-deleted/plan.json "$ws/plans/db-deleted.json"
cp testdata/plans/no-changes/plan.json "$ws/plans/no-changes.json"
# The same change pushed again with one more resource touched: another plan.
jq '(.resource_changes[] | select(.address == "aws_db_instance.orders") | .change.before.identifier) = "orders-v2"' testdata/plans/db-deleted/plan.json \
    >"$ws/plans/db-deleted-v2.json"

# The pull request's commits as GET /pulls/42/commits lists them, from git;
# `plain` drops the trailers (a person's pull request).
commits_json() {
    local sha
    for sha in $(git -C "$src" rev-list --reverse "$base_sha..$head_sha"); do
        jq -n --arg sha "$sha" --arg message "$(git -C "$src" log -1 --format=%B "$sha")" --arg login "${2:-octocat}" \
            '{sha: $sha, commit: {message: $message, author: {name: "Octo", email: "octocat@example.com"}},
              author: {login: $login, type: "User"}}'
    done | jq -s --arg plain "${1:-}" 'if $plain == "plain" then map(.commit.message |= gsub("(?im)^co-authored-by:.*$"; "")) else . end'
}
human_commits=$(commits_json plain)
changed_files='[{"filename": "main.tf"}, {"filename": "blastwall.toml"}, {"filename": ".blastwall/approvals/db.json"}]'
# scenario [jq arguments] FILTER: a JSON scenario for the fake GitHub.
scenario() { jq -cn --argjson commits "$human_commits" --argjson files "$changed_files" "$@"; }

pr_event() { # FILE [LOGIN [TYPE]]
    jq -n --arg base "$base_sha" --arg head "$head_sha" --arg login "${2:-octocat}" --arg type "${3:-User}" '{
  action: "synchronize",
  number: 42,
  pull_request: {
    number: 42,
    user: {login: $login, type: $type},
    base: {sha: $base, ref: "main"},
    head: {sha: $head, ref: "feature"},
    commits: 2
  },
  repository: {full_name: "owner/name", name: "name", owner: {login: "owner"}}
}' >"$1"
}

# run_case NAME EVENT_NAME MODE [runner.py arguments…]: runs the action in a
# fresh simulated runner; leaves $case with the files to check.
run_case() {
    local name=$1 event_name=$2 mode=$3
    shift 3
    case=$tmp/$name
    mkdir -p "$case/temp"
    : >"$case/output"
    : >"$case/summary"
    : >"$tmp/requests.jsonl"
    case "$mode" in
    '{'*) printf '%s\n' "$mode" >"$tmp/mode" ;;
    *) scenario --arg mode "$mode" '{comments: $mode, commits: $commits, files: $files}' >"$tmp/mode" ;;
    esac
    if [ "$event_name" = pull_request ]; then
        pr_event "$case/event.json" ${PR_LOGIN:+"$PR_LOGIN"} ${PR_TYPE:+"$PR_TYPE"}
    else
        echo '{"ref": "refs/heads/main", "repository": {"full_name": "owner/name"}}' >"$case/event.json"
    fi
    echo
    echo "== case $name"
    status=0
    env -u GITHUB_TOKEN -u GH_TOKEN \
        PATH="$tmp/path:$PATH" \
        GITHUB_ACTIONS=true CI=true \
        GITHUB_EVENT_NAME="$event_name" GITHUB_EVENT_PATH="$case/event.json" \
        GITHUB_REPOSITORY=owner/name GITHUB_API_URL="$api" GITHUB_SERVER_URL="$api" \
        GITHUB_WORKSPACE="${WORKSPACE:-$ws}" \
        GITHUB_OUTPUT="$case/output" GITHUB_STEP_SUMMARY="$case/summary" \
        RUNNER_TEMP="$case/temp" \
        BLASTWALL_DOWNLOAD_BASE="$api" \
        "$python" tests/action/runner.py action.yml --result "$case/result.json" \
        --github token=test-token "$@" >"$case/log" 2>&1 || status=$?
    cp "$tmp/requests.jsonl" "$case/requests.jsonl"
    echo "-- log (annotations and messages)"
    grep -E '^::(error|warning|notice)|^\[runner\]|^blastwall|^Using|^Commented|^Updated|^Downloading|^SHA-256|^Not a pull|^Author|^Configuration|^This pull|^Approval|^Every plan' \
        "$case/log" | cut -c1-160 | sed 's/^/   /' || true
    echo "-- requests"
    jq -r '"   \(.method) \(.path)"' "$case/requests.jsonl"
    echo "-- outputs (caller's GITHUB_OUTPUT)"
    sed 's/^/   /' "$case/output"
}

output() { sed -n "s/^$1=//p" "$case/output" | head -n 1; }
step_exit() { jq -r --arg id "$1" '.steps[] | select(.id == $id or .name == $id) | .exit_code' "$case/result.json"; }
step_result() { jq -r --arg id "$1" '.steps[] | select(.id == $id or .name == $id) | .result' "$case/result.json"; }
requests() { jq -r '"\(.method) \(.path)"' "$case/requests.jsonl"; }
posted_body() { jq -r 'select(.method == "POST" or .method == "PATCH") | .body.body' "$case/requests.jsonl"; }
# The workflow commands the runner parsed from the log: NAME PROPERTIES DATA.
commands() { jq -r '.commands[] | "\(.name) \(.properties) \(.data)"' "$case/result.json"; }

marker='<!-- blastwall-report -->'

# 1 ──────────────────────────────────────────────────────────────────────
run_case fail-new-comment pull_request empty \
    --input plan=plans/db-deleted.json --input version=path --input sarif=true
check "the action failed" [ "$status" -eq 1 ]
check "the gate step exited 3" [ "$(step_exit 'Apply the gate')" = 3 ]
check "verdict=fail in GITHUB_OUTPUT" [ "$(output verdict)" = fail ]
check "score= is a number" bash -c '[[ $0 =~ ^[0-9]+$ ]]' "$(output score)"
check "exit-code=3" [ "$(output exit-code)" = 3 ]
report=$(output report)
check "report= is the JSON report, verdict fail" [ "$(jq -r .verdict "$report" 2>/dev/null)" = fail ]
check "the comment step: one GET of the comments, then one POST" \
    [ "$(requests | tail -n 2 | tr '\n' ' ')" = "GET /repos/owner/name/issues/42/comments?per_page=100&page=1 POST /repos/owner/name/issues/42/comments " ]
check "the commits were read through the API" grep -qx 'GET /repos/owner/name/pulls/42/commits?per_page=100&page=1' <(requests)
check "the comment's body starts with the marker" [ "$(posted_body | head -n 1)" = "$marker" ]
check "the comment says fail" bash -c 'grep -qi fail <<<"$0"' "$(posted_body)"
check "the token was sent as a Bearer header" \
    [ "$(jq -r 'select(.method == "POST") | .authorization' "$case/requests.jsonl")" = "Bearer test-token" ]
check "the token is not in the log" bash -c '! grep -q test-token "$0"' "$case/log"
check "comment-url output" [ "$(output comment-url)" = "https://github.example/owner/name/pull/42#issuecomment-5000" ]
check "the step summary has the report" grep -qF "$marker" "$case/summary"
check "error annotations were printed" grep -q '^::error' "$case/log"
sarif=$(output sarif)
check "SARIF 2.1.0 written" [ "$(jq -r .version "$sarif" 2>/dev/null)" = 2.1.0 ]
check "upload-sarif given that file" \
    [ "$(jq -r '.steps[] | select(.uses) | .with.sarif_file' "$case/result.json")" = "$sarif" ]
check "upload-sarif pinned to a commit" \
    bash -c '[[ $0 =~ ^github/codeql-action/upload-sarif@[0-9a-f]{40}$ ]]' "$(jq -r '.steps[] | select(.uses) | .uses' "$case/result.json")"
check "version output" [ "$(output version)" = "$("$bin" --version | sed 's/^blastwall //')" ]
echo "-- posted comment (first lines)"
posted_body | head -n 4 | sed 's/^/   /'

# 2 ──────────────────────────────────────────────────────────────────────
run_case pass-update-comment pull_request existing \
    --input plan=plans/no-changes.json --input version=v9.9.9
check "the action succeeded" [ "$status" -eq 0 ]
check "installed from the release" grep -q "^Downloading $api/owner/name/releases/download/v9.9.9/$asset" "$case/log"
check "checksum verified" grep -q '^SHA-256 verified' "$case/log"
check "verdict=pass" [ "$(output verdict)" = pass ]
check "exit-code=0" [ "$(output exit-code)" = 0 ]
check "two pages listed, then a PATCH of comment 4242, no POST" \
    [ "$(requests | grep -v -e releases -e /pulls/ | tr '\n' ' ')" = "GET /repos/owner/name/issues/42/comments?per_page=100&page=1 GET /repos/owner/name/issues/42/comments?per_page=100&page=2 PATCH /repos/owner/name/issues/comments/4242 " ]
check "the new body starts with the marker" [ "$(posted_body | head -n 1)" = "$marker" ]
check "comment-url output" [ "$(output comment-url)" = "https://github.example/owner/name/pull/42#issuecomment-4242" ]
check "no SARIF when not asked" [ -z "$(output sarif)" ]
check "no error annotation" bash -c '! grep -q "^::error" "$0"' "$case/log"
echo "-- updated comment (first lines)"
posted_body | head -n 4 | sed 's/^/   /'

# 3 ──────────────────────────────────────────────────────────────────────
run_case bad-checksum pull_request empty \
    --input plan=plans/no-changes.json --input version=v9.9.8
check "the action failed" [ "$status" -eq 1 ]
check "in the install step" [ "$(step_result 'install')" = failure ]
check "the mismatch was reported" grep -q '^::error.*checksum mismatch' "$case/log"
check "the check did not run" [ "$(step_result check)" = skipped ]
check "no API call" [ -z "$(requests | grep -v releases || true)" ]

# 4 ──────────────────────────────────────────────────────────────────────
mkdir -p "$tmp/ws/infra/live"
WORKSPACE=$tmp/ws run_case push-plan-command push empty \
    --input working-directory=infra --input 'plan=live/*.json' \
    --input "plan-command=cp '$repo/testdata/plans/db-deleted/plan.json' live/db.json" \
    --input fail-on=never --input version=path --input annotations=false
check "the action succeeded (fail-on never)" [ "$status" -eq 0 ]
check "the plan command ran" [ -f "$tmp/ws/infra/live/db.json" ]
check "verdict=fail" [ "$(output verdict)" = fail ]
check "the glob found the plan, named from the workspace" \
    [ "$(jq -r '.plans[0].path' "$(output report)")" = infra/live/db.json ]
check "no API call outside a pull request" [ ! -s "$case/requests.jsonl" ]
check "no annotations when not asked" bash -c '! grep -q "^::error file" "$0"' "$case/log"
check "the step summary still has the report" grep -qF "$marker" "$case/summary"

# 5 ──────────────────────────────────────────────────────────────────────
run_case fork-token pull_request forbidden \
    --input plan=plans/no-changes.json --input version=path
check "the action succeeded: the gate decides, not the comment" [ "$status" -eq 0 ]
check "a warning explains the read-only token" grep -q '^::warning.*HTTP 403.*pull-requests: write' "$case/log"
check "no comment-url" [ -z "$(output comment-url)" ]

# 6 ──────────────────────────────────────────────────────────────────────
# The agent's trailer is in the first commit, which the shallow clone lacks.
check "(setup) the shallow clone holds only the head commit" [ "$(git -C "$ws" rev-list --count HEAD)" = 1 ]
check "(setup) the clone's history shows no trailer" bash -c '! git -C "$0" log --format=%B | grep -qi co-authored' "$ws"
run_case agent-trailer pull_request "$(scenario --argjson real "$(commits_json)" '{comments: "empty", commits: $real, files: $files}')" \
    --input plan=plans/no-changes.json --input version=path
check "author=agent output" [ "$(output author)" = agent ]
check "the report's profile is agent" [ "$(jq -r .profile "$(output report)")" = agent ]
check "the report's author is agent" [ "$(jq -r .author.kind "$(output report)")" = agent ]
check "the comment says which commit is co-authored by an agent" \
    bash -c 'grep -q "Author: an agent.*co-authored by an agent (Co-authored-by: noreply@anthropic.com)" <<<"$0"' "$(posted_body)"

# 7 ──────────────────────────────────────────────────────────────────────
run_case api-failure pull_request "$(scenario '{comments: "empty", commits_status: 500, files: $files}')" \
    --input plan=plans/no-changes.json --input version=path
check "author=agent when the commits cannot be read" [ "$(output author)" = agent ]
check "the report's profile is agent" [ "$(jq -r .profile "$(output report)")" = agent ]
check "the log says why" grep -q "^Author: agent, because the pull request's commits could not be read (HTTP 500)" "$case/log"

# 8 ──────────────────────────────────────────────────────────────────────
PR_LOGIN='renovate[bot]' PR_TYPE=Bot run_case bot-author pull_request empty \
    --input plan=plans/no-changes.json --input version=path
check "author=agent for a bot's pull request" [ "$(output author)" = agent ]
check "the report's profile is agent" [ "$(jq -r .profile "$(output report)")" = agent ]
check "the reason names the bot" grep -q '^Author: agent, because pull request #42 was opened by the bot renovate\[bot\]' "$case/log"
# …and `author: human` from the (head's) workflow cannot overrule it.
PR_LOGIN='renovate[bot]' PR_TYPE=Bot run_case bot-author-claims-human pull_request empty \
    --input plan=plans/no-changes.json --input version=path --input author=human
check "author: human is refused in an agent's pull request (exit 2)" [ "$(step_exit check)" = 2 ]
check "with the reason" grep -q '^::error.*an agent cannot choose the human profile' "$case/log"

# 9 ──────────────────────────────────────────────────────────────────────
# Control: the head's blastwall.toml (and its trusted approval) would pass
# the blocked plan if blastwall read it for a person (for an agent, blastwall
# itself already leaves loosening from a file in a temp dir or a repo out).
check "(control) the head's blastwall.toml passes the plan when used" \
    bash -c '"$0" check --config "$1/blastwall.toml" --author human --format json "$1/plans/db-deleted.json" >/dev/null 2>&1' "$bin" "$ws"
run_case head-config pull_request empty \
    --input plan=plans/db-deleted.json --input version=path
check "the base's configuration blocks the plan (gate exit 3)" [ "$(step_exit 'Apply the gate')" = 3 ]
check "the comment says the pull request changes blastwall.toml and the base's was used" \
    bash -c 'grep -q "This pull request changes \`blastwall.toml\`, \`.blastwall/approvals/db.json\`; the base branch.s configuration was used" <<<"$0"' "$(posted_body)"
check "the head's approval record was not applied" [ "$(jq '[.plans[].approvals // [] | length] | add' "$(output report)")" = 0 ]
check "blastwall was given the base's config, outside the workspace" \
    bash -c 'grep -q "^blastwall check --config $1/" "$0"' "$case/log" "$case/temp"

# 10 ─────────────────────────────────────────────────────────────────────
# Approvals that must not count: the author's, a bot's, a reader's, a
# commit author's, a stale fingerprint, a quoted one, a fingerprint too short.
fp=${fingerprint#blake3:}
comment_json() { jq -cn --arg login "$1" --arg type "$2" --arg body "$3" \
    '{id: 7, user: {login: $login, type: $type}, body: $body, html_url: "https://github.example/c/\($login)"}'; }
refused=$(jq -cs . <<EOF
$(comment_json octocat User "/blastwall approve blake3:${fp:0:16}")
$(comment_json 'github-actions[bot]' Bot "/blastwall approve ${fp:0:16}")
$(comment_json reader User "/blastwall approve $fp")
$(comment_json bob User "/blastwall approve $fp")
$(comment_json alice User "/blastwall approve 0123456789abcdef0123")
$(comment_json carol User "> /blastwall approve $fp")
$(comment_json dave User "/blastwall approve ${fp:0:8}")
EOF
)
bob_commits=$(commits_json plain bob)
run_case approvals-refused pull_request "$(scenario --argjson c "$refused" --argjson bob "$bob_commits" \
    '{comments: "empty", issue_comments: $c, commits: $bob, files: $files,
      permissions: {octocat: "admin", "github-actions[bot]": "write", reader: "read", bob: "write", alice: "write", carol: "admin", dave: "admin"}}')" \
    --input plan=plans/db-deleted.json --input version=path
check "the gate still blocks (exit 3)" [ "$(step_exit 'Apply the gate')" = 3 ]
check "approved=false" [ "$(output approved)" = false ]
body=$(posted_body)
check "the author's approval: two-person rule" grep -q "by @octocat opened this pull request; the two-person rule" <<<"$body"
check "the bot's approval: a bot" grep -q 'by @github-actions\[bot\] is a bot' <<<"$body"
check "the reader's approval: read access" grep -q "by @reader has read access, not write" <<<"$body"
check "a commit author's approval: two-person rule" grep -q "by @bob wrote commits of this pull request" <<<"$body"
check "a stale fingerprint: another plan" grep -q "0123456789abcdef0123\` is the fingerprint of another plan" <<<"$body"
check "a fingerprint of 8 digits is not one" grep -q "\`${fp:0:8}\` is not a fingerprint" <<<"$body"
check "a quoted approval is not an approval" bash -c '! grep -q "@carol" <<<"$0"' "$body"
check "the comment says how to approve" grep -q "by commenting \`/blastwall approve blake3:${fp:0:16}\`" <<<"$body"
check "the reader's access was asked of the API" grep -qx 'GET /repos/owner/name/collaborators/reader/permission' <(requests)
check "the bot's and the author's were not" bash -c '! grep -q -e "collaborators/octocat" -e "collaborators/github-actions" <<<"$0"' "$(requests)"

# 11 ─────────────────────────────────────────────────────────────────────
approving=$(jq -cn --arg body "Looked at it with the DBA.
/blastwall approve blake3:${fp:0:16}" '[{id: 9, user: {login: "alice", type: "User"}, body: $body, state: "COMMENTED",
    html_url: "https://github.example/owner/name/pull/42#pullrequestreview-9"}]')
run_case approved-by-reviewer pull_request "$(scenario --argjson r "$approving" \
    '{comments: "empty", commits: $commits, files: $files, reviews: $r, permissions: {alice: "maintain"}}')" \
    --input plan=plans/db-deleted.json --input version=path
check "the action succeeded" [ "$status" -eq 0 ]
check "blastwall still said fail (exit-code 3)" [ "$(output exit-code)" = 3 ]
check "approved=true, approved-by=alice" [ "$(output approved)/$(output approved-by)" = true/alice ]
check "the gate says who approved" grep -q '^blastwall: verdict fail, score [0-9]*; this exact plan was approved on the pull request by alice' "$case/log"
check "the comment says approved by @alice" grep -q "Approved by @alice (maintain access)" <<<"$(posted_body)"
# The same review after a push that changed the plan: not this plan's.
run_case approval-after-push pull_request "$(scenario --argjson r "$approving" \
    '{comments: "empty", commits: $commits, files: $files, reviews: $r, permissions: {alice: "maintain"}}')" \
    --input plan=plans/db-deleted-v2.json --input version=path
check "(setup) the new plan has another fingerprint" \
    [ "$(jq -r '.plans[0].fingerprint' "$(output report)")" != "$fingerprint" ]
check "the old approval does not cover the new plan (gate exit 3)" [ "$(step_exit 'Apply the gate')" = 3 ]
check "the comment says it is another plan's" grep -q "is the fingerprint of another plan" <<<"$(posted_body)"

# 12 ─────────────────────────────────────────────────────────────────────
# Output injection: a resource address and a plan file name holding workflow
# commands. Self-test first: unprotected, the runner does see them.
# The payload is a for_each key (a real plan cannot hold a raw newline in an
# address, and blastwall refuses one): `##[…]` works anywhere in a line.
key='x ::set-output name=pwned::1 ##[set-output name=pwned2;]2 ::add-mask::pwned3'
payload="aws_db_instance.orders[\"$key\"]"
jq --arg a "$payload" --arg k "$key" '(.resource_changes[] | select(.address == "aws_db_instance.orders") | .index) |= $k
    | (.resource_changes[] | select(.address == "aws_db_instance.orders") | .address) |= $a
    | (.prior_state.values.root_module.resources[]? | select(.address == "aws_db_instance.orders") | .index) |= $k
    | (.prior_state.values.root_module.resources[]? | select(.address == "aws_db_instance.orders") | .address) |= $a' \
    testdata/plans/db-deleted/plan.json >"$ws/plans/inj.json"
evil_name=$'inj-\n::error title=pwned4::file ##[add-mask]pwned5.json'
# Compact, so not byte for byte the same plan (that is checked once).
jq -c . "$ws/plans/inj.json" >"$ws/plans/$evil_name"
cat >"$tmp/echo-action.yml" <<'EOF'
name: echo
description: prints untrusted text as it is (the runner's self-test)
runs:
  using: composite
  steps:
    - shell: bash
      env: {TEXT: "${{ inputs.text }}"}
      run: printf '%s\n' "$TEXT"
inputs:
  text: {description: text, default: ''}
EOF
case=$tmp/runner-self-test
mkdir -p "$case"
"$python" tests/action/runner.py "$tmp/echo-action.yml" --result "$case/result.json" \
    --input "text=$("$bin" check --author agent --format human "$ws/plans/inj.json" 2>&1; printf '\n%s' "$evil_name")" >"$case/log" 2>&1 || true
check "(self-test) the runner parses ::set-output from a plain log" grep -q '^set-output name=pwned' <(commands)
check "(self-test) … and ##[set-output] inside a line" grep -q '^set-output name=pwned2' <(commands)
check "(self-test) … and the file name's ::error" grep -q '^error title=pwned4' <(commands)

run_case injection pull_request empty --input 'plan=plans/inj*' --input version=path
check "the check ran on both plans" [ "$(jq '.plans | length' "$(output report)")" = 2 ]
check "the payload reached the log (as data)" grep -qF '::set-output name=pwned::1 ##[set-output name=pwned2;]2' "$case/log"
check "no command from the plan: no set-output, add-mask, save-state…" \
    bash -c '! grep -qE "^(set-output|save-state|add-mask|set-env|add-path|echo|add-matcher) " <<<"$0"' "$(commands)"
check "no command whose name or properties the plan wrote (blastwall's annotations quote it, escaped)" \
    bash -c '! jq -e "[.commands[] | select((.name | test(\"pwned\"; \"i\")) or (.properties | test(\"^(title|name)=pwned\"; \"i\")))] | length > 0" "$0" >/dev/null' "$case/result.json"
check "no annotation's message starts with the payload" \
    bash -c '! jq -e "[.commands[] | select(.data | test(\"^(file|1|pwned)\"))] | length > 0" "$0" >/dev/null' "$case/result.json"
check "every stop-commands was resumed (the gate's annotation was parsed)" grep -q '^error title=blastwall blastwall blocked this plan' <(commands)
check "the file name was printed quoted" grep -qF 'plans/inj-\n:\x3aerror title=pwned4:\x3afile #\x23[add-mask]pwned5.json' "$case/log"

# 13 ─────────────────────────────────────────────────────────────────────
# Matrix jobs: comment-key keeps one comment per key. The pull request has
# the unkeyed comment (7001) and the staging job's (4242). The comment names
# the commit it checked: the pull request's head.
keyed=$(jq -cn --arg plain "$marker" '[
  {id: 7001, user: {login: "github-actions[bot]", type: "Bot"}, body: ($plain + "\nthe unkeyed report")},
  {id: 4242, user: {login: "github-actions[bot]", type: "Bot"}, body: "<!-- blastwall-report:staging -->\nthe staging report"}]')
keyed_mode() { scenario --argjson c "$1" '{comments: "empty", issue_comments: $c, commits: $commits, files: $files}'; }
writes() { requests | grep -E '^(POST|PATCH) /repos/owner/name/issues/' | tr '\n' ' '; }
run_case comment-key-prod pull_request "$(keyed_mode "$keyed")" \
    --input plan=plans/no-changes.json --input version=path --input comment-key=prod
check "prod: a new comment; neither the unkeyed nor the staging one is touched" \
    [ "$(writes)" = "POST /repos/owner/name/issues/42/comments " ]
check "prod: its body starts with the prod marker" [ "$(posted_body | head -n 1)" = "<!-- blastwall-report:prod -->" ]
check "prod: the comment names the head commit it checked" \
    grep -qF "Checked commit [\`${head_sha:0:12}\`]($api/owner/name/commit/$head_sha) · comment key \`prod\`" <<<"$(posted_body)"
check "prod: the report's own marker line is not repeated" [ "$(posted_body | grep -c '^<!-- blastwall-report')" = 1 ]
run_case comment-key-staging pull_request "$(keyed_mode "$keyed")" \
    --input plan=plans/no-changes.json --input version=path --input comment-key=staging
check "staging: updates its own comment (4242) only" \
    [ "$(writes)" = "PATCH /repos/owner/name/issues/comments/4242 " ]
check "staging: the body keeps the staging marker" [ "$(posted_body | head -n 1)" = "<!-- blastwall-report:staging -->" ]
run_case comment-key-none pull_request "$(keyed_mode "$(jq -c '[.[1]]' <<<"$keyed")")" \
    --input plan=plans/no-changes.json --input version=path
check "no key: a keyed comment is not taken over (a new unkeyed comment)" \
    [ "$(writes)" = "POST /repos/owner/name/issues/42/comments " ]
check "no key: the plain marker, and the commit" \
    bash -c '[ "$(head -n 1 <<<"$0")" = "$1" ] && grep -qF "Checked commit" <<<"$0"' "$(posted_body)" "$marker"
run_case comment-key-bad pull_request "$(keyed_mode "$keyed")" \
    --input plan=plans/no-changes.json --input version=path --input 'comment-key=a b -->'
check "a key that could end the marker is refused (comment step exit 2), nothing written" \
    bash -c '[ "$0" = 2 ] && [ -z "$1" ]' "$(step_exit comment)" "$(writes)"

echo
echo "action-test: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
