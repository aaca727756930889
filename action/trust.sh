#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Step "trust" of action.yml, on pull requests: decides what the check may
# trust, from sources the pull request's head cannot write.
#
#   Author. The pull request's author (event payload, else the API) and every
#   commit of the pull request read through the API
#   (GET /repos/{o}/{r}/pulls/{n}/commits, every page), not from the clone,
#   which is shallow. An agent when: the author is a bot (type Bot, a login
#   ending in [bot]) or an agent's login (rules/authors.toml, github_logins);
#   a commit's author is; a commit's author or a `Co-authored-by:` trailer
#   names an agent (coauthor); or the commits cannot be read (no token, an
#   API failure, more commits than the API lists). Otherwise the author is
#   left to blastwall's own detection (auto): the action never claims
#   `human` on a pull request, whose workflow inputs the head controls.
#   Outputs: author (agent, or empty), author-reason.
#
#   Configuration. The base commit (pull_request.base.sha), fetched when the
#   clone lacks it, is extracted under $RUNNER_TEMP, outside the workspace:
#   blastwall.toml, the config, approvals and rules inputs are read there, so
#   a pull request that relaxes blastwall.toml or adds an approval record
#   and a trust entry changes nothing. Outputs: base (the working directory's
#   place in that copy), config (the --config to pass: the base's file, or an
#   empty one).
#
#   Notes. A Markdown file (output notes) for the comment: the author and
#   why, and the files of the configuration the pull request changes
#   (GET /repos/{o}/{r}/pulls/{n}/files).
#
#   Also: pull-request (number), people (a file: the pull request's author
#   and its commits' authors, lowercased logins one a line: none of them may
#   approve).
#
# Outside pull requests the step writes no output and check.sh reads the
# configuration from the workspace, as a push to a branch is that branch's.
#
# Environment: ACTION_PATH, GITHUB_TOKEN, PR_NUMBER, WORKING_DIRECTORY,
# CONFIG, APPROVALS, RULES, and the runner's GITHUB_* variables.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=github.sh
. "$(dirname "$0")/github.sh"

bw_require curl jq git tar
action_path=${ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
authors_file=$action_path/rules/authors.toml
[ -r "$authors_file" ] || bw_die 1 "cannot read the list of agents ($authors_file)"
repository=${GITHUB_REPOSITORY:-}
event=${GITHUB_EVENT_PATH:-}

number=${PR_NUMBER:-}
if [ -z "$number" ] && [ -n "$event" ] && [ -f "$event" ]; then
    number=$(bw_jq -r '.pull_request.number // (if .issue.pull_request then .issue.number else empty end) // empty' "$event")
fi
if [ -z "$number" ]; then
    echo "Not a pull request: the configuration is read from the workspace."
    exit 0
fi
case "$number" in
*[!0-9]*) bw_die 2 "pull-request must be a number, not '$number'" ;;
esac
case "$repository" in
?*/?*) ;;
*) bw_die 2 "GITHUB_REPOSITORY ('$repository') is not owner/name" ;;
esac
bw_output pull-request "$number"

gh_work=$(bw_tempdir)
out=$(bw_tempdir)
notes=$out/notes.md
people=$out/people.txt
: >"$notes"
: >"$people"

# The pull request: from the payload when it is this one, else the API.
pull=$gh_work/pull.json
if [ -n "$event" ] && [ -f "$event" ] &&
    [ "$(bw_jq -r '.pull_request.number // empty' "$event")" = "$number" ] &&
    [ -n "$(bw_jq -r '.pull_request.base.sha // empty' "$event")" ]; then
    jq '.pull_request' "$event" >"$pull"
elif [ -n "${GITHUB_TOKEN:-}" ] &&
    [ "$(gh_get "$(gh_api_base)/repos/$repository/pulls/$number" "$pull")" = 200 ]; then
    :
else
    echo '{}' >"$pull"
fi
pr_author=$(bw_jq -r '.user.login // empty' "$pull")
pr_author_type=$(bw_jq -r '.user.type // empty' "$pull")
base_sha=$(bw_jq -r '.base.sha // empty' "$pull")
expected_commits=$(bw_jq -r '.commits // empty' "$pull")
[ -z "$pr_author" ] || printf '%s\n' "$pr_author" | tr '[:upper:]' '[:lower:]' >>"$people"
bw_output pr-author "$pr_author"
bw_output people "$people"

# ── Author ───────────────────────────────────────────────────────────────
gh_agent_list "$authors_file" github_logins >"$gh_work/logins.txt"
gh_agent_list "$authors_file" coauthor >"$gh_work/coauthors.txt"
[ -s "$gh_work/logins.txt" ] && [ -s "$gh_work/coauthors.txt" ] ||
    bw_die 1 "no agent logins or trailers read from $authors_file"

is_agent_login() {
    local login
    login=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    grep -qxF -- "$login" "$gh_work/logins.txt"
}
# The agent a text ("Name <email>") names, if any.
agent_in() {
    local text needle
    text=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    while IFS= read -r needle; do
        case "$text" in *"$needle"*)
            printf '%s' "$needle"
            return 0
            ;;
        esac
    done <"$gh_work/coauthors.txt"
    return 1
}

agent_reason=
if [ -z "$pr_author" ]; then
    agent_reason="the pull request's author could not be read"
elif gh_is_bot "$pr_author" "$pr_author_type"; then
    agent_reason="pull request #$number was opened by the bot $pr_author"
elif is_agent_login "$pr_author"; then
    agent_reason="pull request #$number was opened by $pr_author, an agent's account"
fi

commits=$gh_work/commits.json
if [ -z "${GITHUB_TOKEN:-}" ]; then
    [ -n "$agent_reason" ] || agent_reason="github-token is empty: the pull request's commits cannot be read, so its author is not established"
elif ! gh_get_all "/repos/$repository/pulls/$number/commits" "$commits"; then
    [ -n "$agent_reason" ] || agent_reason="the pull request's commits could not be read (HTTP $gh_status), so its author is not established"
else
    read_count=$(bw_jq -r 'length' "$commits")
    if [ -n "$expected_commits" ] && [ "$read_count" -lt "$expected_commits" ]; then
        [ -n "$agent_reason" ] || agent_reason="only $read_count of the pull request's $expected_commits commits could be read through the API, so its author is not established"
    fi
    # One line a commit: sha, author login, author type, "name <email>",
    # then each Co-authored-by value; separated by \x1f (an empty field stays one), control characters out.
    # shellcheck disable=SC2016 # jq's $…
    bw_jq -r '.[] | [
            (.sha // "" | .[0:12]),
            (.author.login // ""), (.author.type // ""),
            "\(.commit.author.name // "") <\(.commit.author.email // "")>",
            ((.commit.message // "") | split("\n")[]
                | select(test("^\\s*co-authored-by\\s*:"; "i"))
                | sub("^\\s*co-authored-by\\s*:\\s*"; ""; "i"))
        ] | map(gsub("[[:cntrl:]]"; " ")) | join("\u001f")' "$commits" >"$gh_work/commits.tsv"
    while IFS=$'\x1f' read -r -a fields; do
        sha=${fields[0]:-} login=${fields[1]:-} type=${fields[2]:-}
        if [ -n "$login" ]; then
            printf '%s\n' "$login" | tr '[:upper:]' '[:lower:]' >>"$people"
        fi
        [ -z "$agent_reason" ] || continue
        if [ -n "$login" ] && gh_is_bot "$login" "$type"; then
            agent_reason="commit $sha of pull request #$number was written by the bot $login"
        elif [ -n "$login" ] && is_agent_login "$login"; then
            agent_reason="commit $sha of pull request #$number was written by $login, an agent's account"
        elif needle=$(agent_in "${fields[3]:-}"); then
            agent_reason="commit $sha of pull request #$number is authored by an agent ($needle)"
        else
            for trailer in "${fields[@]:4}"; do
                if needle=$(agent_in "$trailer"); then
                    agent_reason="commit $sha of pull request #$number is co-authored by an agent (Co-authored-by: $needle)"
                    break
                fi
            done
        fi
    done <"$gh_work/commits.tsv"
fi
sort -u -o "$people" "$people"

if [ -n "$agent_reason" ]; then
    echo "Author: agent, because $(bw_quote "$agent_reason")"
    bw_output author agent
    bw_output author-reason "$agent_reason"
    # shellcheck disable=SC2016 # Markdown backticks
    printf -- '- **Author: an agent** (the `agent` profile): %s.\n' "$agent_reason" >>"$notes"
else
    echo "Author: no agent found in the pull request's author or its $(bw_jq -r length "$commits") commit(s), read through the API; blastwall decides"
    bw_output author ""
    bw_output author-reason ""
fi

# ── Configuration from the base commit ───────────────────────────────────
[ -n "$base_sha" ] || bw_die 1 "the base commit of pull request #$number is unknown: its configuration cannot be read"
case "$base_sha" in
*[!0-9a-f]*) bw_die 1 "the base commit of pull request #$number is not a commit id" ;;
esac
workdir=${WORKING_DIRECTORY:-.}
[ -d "$workdir" ] || bw_die 2 "working-directory '$workdir' is not a directory"
root=$(git -C "$workdir" rev-parse --show-toplevel 2>/dev/null) ||
    bw_die 1 "working-directory '$workdir' is not in a git checkout: the base branch's blastwall.toml cannot be read (check out the repository first)"
prefix=$(git -C "$workdir" rev-parse --show-prefix)
if ! git -C "$root" cat-file -e "$base_sha^{commit}" 2>/dev/null; then
    echo "Fetching the base commit $base_sha"
    count=0
    if [ -n "${GITHUB_TOKEN:-}" ]; then
        # As actions/checkout does, for this command only (not persisted),
        # through the environment rather than the command line.
        count=1
        GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader"
        GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
        export GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
    fi
    GIT_CONFIG_COUNT=$count git -C "$root" fetch --quiet --no-tags --depth=1 origin "$base_sha" >/dev/null 2>&1 ||
        bw_die 1 "could not fetch the base commit $base_sha of pull request #$number: its blastwall.toml is the one that counts (give actions/checkout fetch-depth: 0, or contents: read)"
fi
base=$out/base
mkdir -p "$base"
git -C "$root" archive --format=tar "$base_sha" | tar -xf - -C "$base" ||
    bw_die 1 "could not extract the base commit $base_sha"
base_workdir=$base/${prefix%/}
base_workdir=${base_workdir%/}
mkdir -p "$base_workdir"
bw_output base "$base_workdir"

# The config: the input's path or blastwall.toml, in the base; an empty one
# when the base has none (so that the workspace's is never discovered).
config_name=${CONFIG:-blastwall.toml}
case "$config_name" in
/* | [A-Za-z]:[/\\]*) config=$config_name ;;
*) config=$base_workdir/${config_name#./} ;;
esac
if [ ! -f "$config" ]; then
    [ -z "${CONFIG:-}" ] || bw_die 1 "config '$CONFIG' is not in the base commit $base_sha"
    mkdir -p "$out/empty"
    config=$out/empty/blastwall.toml
    : >"$config"
fi
bw_output config "$config"
echo "Configuration: from the base commit $base_sha"

# Which configuration files the pull request changes.
files=$gh_work/files.json
if [ -n "${GITHUB_TOKEN:-}" ] && gh_get_all "/repos/$repository/pulls/$number/files" "$files"; then
    watched=("${prefix}${config_name#./}")
    while IFS= read -r path; do
        [ -z "$path" ] || watched+=("${prefix}${path#./}")
    done <<<"$(printf '%s\n%s\n' "${APPROVALS:-}" "${RULES:-}" | tr -d '\r' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"
    changed=()
    while IFS= read -r path; do
        [ -n "$path" ] || continue
        hit=false
        case "/$path" in
        */blastwall.toml | */.blastwall/*) hit=true ;;
        esac
        for prefix_path in "${watched[@]}"; do
            prefix_path=${prefix_path%/}
            case "$path" in
            "$prefix_path" | "$prefix_path"/*) hit=true ;;
            esac
        done
        [ "$hit" = false ] || changed+=("$path")
    done <<<"$(bw_jq -r '.[] | .filename, (.previous_filename // empty) | gsub("[[:cntrl:]`]"; "?")' "$files")"
    if [ "${#changed[@]}" -gt 0 ]; then
        list=
        for path in "${changed[@]}"; do
            list="$list${list:+, }\`$path\`"
        done
        echo "This pull request changes the configuration: $(bw_quote "$list"); the base branch's was used"
        printf -- '- **This pull request changes %s; the base branch'"'"'s configuration was used.** Changes to blastwall.toml or approvals take effect once merged.\n' "$list" >>"$notes"
    fi
else
    printf -- '- The files this pull request changes could not be listed; the base branch'"'"'s configuration was used.\n' >>"$notes"
fi
bw_output notes "$notes"
