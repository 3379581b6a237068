#!/usr/bin/env bash
# The scan step of the nhiscan composite action (action.yml). Reads the action's inputs from
# INPUT_* variables and the event from GITHUB_EVENT_NAME / GITHUB_EVENT_PATH; fetches the
# commits the event's range needs (a plain depth-1 actions/checkout is enough); runs ONE scan
# that writes the JSON report, SARIF, the Markdown report, the annotations and the job summary;
# sets the step outputs (`sarif` whenever the file exists) and exits with nhiscan's exit code.
#
# Portable to bash 3.2 (macOS) and Git Bash (Windows): no associative arrays, no `mapfile`, and
# arrays that may be empty are expanded as ${a[@]+"${a[@]}"} (bash < 4.4 calls "${a[@]}" of an
# empty array unbound under `set -u`).
set -uo pipefail

NHISCAN="${NHISCAN:-nhiscan}"
mode="${INPUT_MODE:-auto}"
event="${GITHUB_EVENT_NAME:-}"
event_path="${GITHUB_EVENT_PATH:-}"
out_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
report="${NHISCAN_REPORT:-$out_dir/nhiscan-report.json}"
markdown="$out_dir/nhiscan-report.md"
audit_file="$out_dir/nhiscan-audit.txt"
output="${GITHUB_OUTPUT:-/dev/null}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
sarif="${INPUT_SARIF:-}"
zeros=0000000000000000000000000000000000000000
# GitHub drops a step summary over 1 MiB; keep well under it.
summary_cap=900000

ev() { jq -r "$1 // empty" "$event_path" 2>/dev/null; }

# The step outputs, from whatever the scan wrote; then exit.
finish() {
  local code="$1" findings="" failing="" sarif_out=""
  if [ -s "$report" ]; then
    findings=$(jq -r '.summary.findings // empty' "$report" 2>/dev/null)
    failing=$(jq -r '.summary.failing // empty' "$report" 2>/dev/null)
  fi
  if [ -n "$sarif" ] && [ -f "$sarif" ]; then sarif_out="$sarif"; fi
  {
    echo "findings=$findings"
    echo "failing=$failing"
    echo "sarif=$sarif_out"
    if [ -s "$report" ]; then echo "report=$report"; else echo "report="; fi
    if [ -f "$markdown" ]; then echo "markdown=$markdown"; else echo "markdown="; fi
  } >>"$output"
  exit "$code"
}

fail() {
  echo "::error::nhiscan: $1"
  finish 2
}

# --- fetching what the range needs -------------------------------------------------------

# The workflow's token for `git fetch` when the checkout did not persist its credentials
# (persist-credentials: false); passed through git's environment, never on a command line.
if [ -n "${INPUT_TOKEN:-}" ] && ! git config --get-regexp '^http\..*extraheader$' >/dev/null 2>&1; then
  auth=$(printf 'x-access-token:%s' "$INPUT_TOKEN" | base64 | tr -d '\n')
  echo "::add-mask::$auth"
  n="${GIT_CONFIG_COUNT:-0}"
  export "GIT_CONFIG_KEY_$n=http.extraheader" "GIT_CONFIG_VALUE_$n=AUTHORIZATION: basic $auth"
  export GIT_CONFIG_COUNT=$((n + 1))
fi

have() { git cat-file -e "$1^{commit}" 2>/dev/null; }
fetch() { git -c protocol.version=2 fetch --no-tags --no-recurse-submodules --quiet origin "$@"; }
shallow() { [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; }

# ensure SHA [REF]: SHA is in the repository, fetched (depth 1) by id, else through REF (a
# fork's head is only reachable through refs/pull/N/head of the base repository).
ensure() {
  have "$1" && return 0
  fetch --depth=1 "$1" 2>/dev/null && have "$1" && return 0
  if [ -n "${2:-}" ]; then fetch --depth=1 "+$2:refs/remotes/nhiscan/$(basename "$2")" && have "$1" && return 0; fi
  return 1
}

# connect BASE HEAD: deepen both until their merge base is in the repository (the least
# history that works), or the history is complete.
connect() {
  local d
  for d in 16 128 1024; do
    git merge-base "$1" "$2" >/dev/null 2>&1 && return 0
    shallow || return 0
    echo "nhiscan: fetching $d more commits of $1 and $2 to reach their merge base"
    fetch --depth="$d" "$1" "$2" || return 1
  done
  git merge-base "$1" "$2" >/dev/null 2>&1 && return 0
  if shallow; then fetch --unshallow "$1" "$2" || return 1; fi
  return 0
}

# pushed_base AFTER: the commit a push of new commits started from, from the event's commits[]
# (a new branch, or a force-push whose `before` is gone): the first commit on AFTER's first-parent
# line that was not pushed; all zeros when every commit up to the root was pushed.
pushed_base() {
  local ids n c
  if [ "$(jq -r '.commits | type' "$event_path")" != array ]; then
    # No commits[]: nhiscan's own rule, the commits reachable from AFTER and no other ref.
    echo "$zeros"
    return 0
  fi
  ids=" $(jq -r '[.commits[].id] | join(" ")' "$event_path") "
  n=$(jq -r '.commits | length' "$event_path")
  # A branch created at a commit already pushed elsewhere: nothing new.
  if [ "$n" -eq 0 ]; then echo "$1"; return 0; fi
  if shallow; then fetch --depth=$((n + 1)) "$1" >/dev/null 2>&1 || return 1; fi
  for c in $(git rev-list --first-parent --max-count=$((n + 1)) "$1"); do
    case "$ids" in *" $c "*) ;; *) echo "$c"; return 0 ;; esac
  done
  # Every commit down to the root was pushed.
  echo "$zeros"
}

# --- which scan --------------------------------------------------------------------------

range=""
kind=full
case "$mode" in
  auto | diff)
    case "$event" in
      pull_request | pull_request_target | merge_group)
        if [ "$event" = merge_group ]; then
          base=$(ev .merge_group.base_sha); head=$(ev .merge_group.head_sha); pull=""
        else
          base=$(ev .pull_request.base.sha); head=$(ev .pull_request.head.sha)
          pull=$(ev '.pull_request.number // .number')
        fi
        [ -n "$base" ] && [ -n "$head" ] || fail "the $event event at $event_path has no commit range"
        ensure "$base" || fail "cannot fetch the base commit $base from origin"
        ensure "$head" ${pull:+"refs/pull/$pull/head"} || fail "cannot fetch the head commit $head from origin"
        connect "$base" "$head" || fail "cannot fetch the history between $base and $head"
        range="$base...$head"
        kind=range
        ;;
      push)
        before=$(ev .before); after=$(ev .after)
        ref=$(ev .ref); default_branch=$(ev .repository.default_branch)
        [ -n "$before" ] && [ -n "$after" ] || fail "the push event at $event_path has no commit range"
        if [ "$mode" = auto ] && [ -n "$default_branch" ] && [ "$ref" = "refs/heads/$default_branch" ]; then
          # The default branch: the whole tree, so code scanning keeps every open alert.
          kind=full
        elif [ "$after" = "$zeros" ]; then
          echo "nhiscan: $ref was deleted: nothing to scan"
          range="HEAD..HEAD"
          kind=range
        else
          ensure "$after" || fail "cannot fetch the pushed commit $after from origin"
          if [ "$before" != "$zeros" ] && ensure "$before"; then
            connect "$before" "$after" || fail "cannot fetch the history between $before and $after"
            range="$before..$after"
          else
            # A new branch, or a force-push whose old head is gone: the commits pushed.
            [ "$before" = "$zeros" ] || echo "nhiscan: $before is no longer in origin (force-push): scanning the pushed commits"
            start=$(pushed_base "$after") || fail "cannot find where the pushed commits of $ref start"
            range="$start..$after"
          fi
          kind=range
        fi
        ;;
      *)
        if [ "$mode" = diff ]; then fail "mode 'diff' needs a pull_request, merge_group or push event, not '${event:-none}'"; fi
        kind=full
        ;;
    esac
    if [ "$kind" = full ] && { [ -n "${INPUT_INVENTORY:-}" ] || [ -f nhi-inventory.yaml ]; }; then
      case "$event" in push | pull_request | pull_request_target | merge_group) ;; *) kind=audit ;; esac
    fi
    ;;
  full) kind=full ;;
  audit) kind=audit ;;
  *) fail "unknown mode '$mode' (auto, diff, full, audit)" ;;
esac

# --- the one scan ------------------------------------------------------------------------

common=()
[ -n "${INPUT_INVENTORY:-}" ] && common+=(--inventory "$INPUT_INVENTORY")
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_FAIL_ON:-}" ] && common+=(--fail-on "$INPUT_FAIL_ON")
scan_only=()
[ -n "${INPUT_BASELINE:-}" ] && scan_only+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_SARIF_CATEGORY:-}" ] && scan_only+=(--sarif-category "$INPUT_SARIF_CATEGORY")
[ -n "$sarif" ] && scan_only+=(--sarif "$sarif")
[ -n "$range" ] && scan_only+=(--diff "$range")
extra=()
# Word splitting is wanted: `args` is a space-separated list of extra options.
# shellcheck disable=SC2206
[ -n "${INPUT_ARGS:-}" ] && extra=(${INPUT_ARGS})

rm -f "$report" "$markdown" "$audit_file"
[ -n "$sarif" ] && rm -f "$sarif"
summary_before=0
[ -f "$summary" ] && summary_before=$(wc -c <"$summary" | tr -d ' ')

scan=(scan . --format github --json "$report" --markdown "$markdown"
  ${common[@]+"${common[@]}"} ${scan_only[@]+"${scan_only[@]}"} ${extra[@]+"${extra[@]}"})
echo "nhiscan ${scan[*]}"
"$NHISCAN" ${scan[@]+"${scan[@]}"}
code=$?
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
  echo "::error::nhiscan failed (exit $code)"
  finish "$code"
fi

if [ "$kind" = audit ]; then
  "$NHISCAN" audit . ${common[@]+"${common[@]}"} >"$audit_file"
  audit_code=$?
  echo "audit=$audit_file" >>"$output"
  [ "$audit_code" -gt "$code" ] && code=$audit_code
  {
    echo
    echo "### Governance audit"
    echo
    echo '```'
    head -c 400000 "$audit_file"
    echo '```'
  } >>"$summary"
fi

{
  echo
  if [ -n "$range" ]; then echo "Scanned the lines added in \`$range\`."; else echo "Scanned the whole tree ($kind)."; fi
  echo "Full reports on the runner: \`$report\` (JSON), \`$markdown\` (Markdown)${sarif:+, \`$sarif\` (SARIF)}; the step outputs \`report\`, \`markdown\` and \`sarif\` name them."
} >>"$summary"
# The scan's part of the summary stays under GitHub's 1 MiB limit.
if [ -f "$summary" ] && [ $(($(wc -c <"$summary" | tr -d ' ') - summary_before)) -gt "$summary_cap" ]; then
  tmp="$summary.nhiscan"
  {
    head -c "$((summary_before + summary_cap))" "$summary"
    echo
    echo "_The summary was cut at $summary_cap bytes; the full report is \`$markdown\`._"
  } >"$tmp" && mv "$tmp" "$summary"
fi
finish "$code"
