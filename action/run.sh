#!/usr/bin/env bash
# The scan step of the nhiscan composite action (action.yml). Reads the action's inputs from
# INPUT_* variables and the event from GITHUB_EVENT_NAME / GITHUB_EVENT_PATH; writes the JSON
# report, SARIF (when the binary supports it), annotations, the job summary and the step
# outputs; exits with nhiscan's exit code after everything is written.
set -uo pipefail

NHISCAN="${NHISCAN:-nhiscan}"
mode="${INPUT_MODE:-auto}"
event="${GITHUB_EVENT_NAME:-}"
event_path="${GITHUB_EVENT_PATH:-}"
out_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
report="${NHISCAN_REPORT:-$out_dir/nhiscan-report.json}"
output="${GITHUB_OUTPUT:-/dev/null}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"

ev() { jq -r "$1 // empty" "$event_path"; }

# Which scan: a range, the whole tree, or the tree plus the governance audit.
range=""
case "$mode" in
  auto | diff)
    case "$event" in
      pull_request | pull_request_target)
        range="$(ev .pull_request.base.sha)...$(ev .pull_request.head.sha)" ;;
      push)
        range="$(ev .before)..$(ev .after)" ;;
      *)
        if [ "$mode" = diff ]; then
          echo "::error::nhiscan: mode 'diff' needs a pull_request or push event, not '${event:-none}'"
          exit 2
        fi
        # schedule, workflow_dispatch…: the whole tree, and the audit when there is an inventory.
        mode=full
        if [ -n "${INPUT_INVENTORY:-}" ] || [ -f nhi-inventory.yaml ]; then mode=audit; fi ;;
    esac
    if [ -n "$range" ] && { [ "${range#.}" != "$range" ] || [ "${range%.}" != "$range" ]; }; then
      echo "::error::nhiscan: the $event event at $event_path has no commit range"
      exit 2
    fi
    ;;
  full | audit) ;;
  *) echo "::error::nhiscan: unknown mode '$mode' (auto, diff, full, audit)"; exit 2 ;;
esac

common=()
[ -n "${INPUT_INVENTORY:-}" ] && common+=(--inventory "$INPUT_INVENTORY")
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_FAIL_ON:-}" ] && common+=(--fail-on "$INPUT_FAIL_ON")
if [ -n "${INPUT_BASELINE:-}" ]; then
  if "$NHISCAN" scan --help | grep -q -- '--baseline'; then
    common+=(--baseline "$INPUT_BASELINE")
  else
    echo "::warning::nhiscan: this version has no --baseline; the input is ignored"
  fi
fi
extra=()
# Word splitting is wanted: `args` is a space-separated list of extra options.
# shellcheck disable=SC2206
[ -n "${INPUT_ARGS:-}" ] && extra=(${INPUT_ARGS})

scan=(scan . --format json "${common[@]}" "${extra[@]}")
[ -n "$range" ] && scan+=(--diff "$range")
echo "nhiscan ${scan[*]}"
"$NHISCAN" "${scan[@]}" >"$report"
code=$?
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
  echo "::error::nhiscan failed (exit $code)"
  echo "findings=" >>"$output"
  echo "failing=" >>"$output"
  echo "sarif=" >>"$output"
  exit "$code"
fi

sarif_out=""
if [ -n "${INPUT_SARIF:-}" ]; then
  if "$NHISCAN" scan --help | grep -q -- 'sarif'; then
    "$NHISCAN" scan . --format sarif "${common[@]}" "${extra[@]}" ${range:+--diff "$range"} \
      >"$INPUT_SARIF" && sarif_out="$INPUT_SARIF"
  else
    echo "::warning::nhiscan: this version cannot write SARIF; no file at $INPUT_SARIF"
  fi
fi

if [ "$mode" = audit ]; then
  "$NHISCAN" audit . "${common[@]}" >"$out_dir/nhiscan-audit.txt"
  audit_code=$?
  echo "audit=$out_dir/nhiscan-audit.txt" >>"$output"
  [ "$audit_code" -gt "$code" ] && code=$audit_code
fi

findings=$(jq -r '.summary.findings' "$report")
failing=$(jq -r '.summary.failing' "$report")

# Annotations: one per location, redacted (the report never holds a secret without
# --show-secrets).
jq -r '.findings[] as $f | $f.locations[] |
  (if $f.severity == "error" then "error" elif $f.severity == "warning" then "warning" else "notice" end)
  + " file=" + .path + ",line=" + (.line|tostring) + ",col=" + (.column|tostring)
  + ",title=nhiscan " + $f.rule_id + "::" + $f.rule_name + ": " + $f.redacted' "$report" |
  while IFS= read -r line; do echo "::$line"; done

{
  echo "## nhiscan"
  echo
  if [ -n "$range" ]; then echo "Scanned the lines added in \`$range\`."; else echo "Scanned the whole tree ($mode)."; fi
  echo
  echo "**$findings** finding(s), **$failing** failing the policy."
  if [ "$findings" -gt 0 ]; then
    echo
    echo "| severity | rule | where | secret |"
    echo "| --- | --- | --- | --- |"
    jq -r '.findings[] as $f | $f.locations[] |
      "| \($f.severity) | `\($f.rule_id)` | `\(.path):\(.line)` | `\($f.redacted)` |"' "$report"
  fi
  if [ "$mode" = audit ] && [ -s "$out_dir/nhiscan-audit.txt" ]; then
    echo
    echo "### Governance audit"
    echo
    echo '```'
    cat "$out_dir/nhiscan-audit.txt"
    echo '```'
  fi
} >>"$summary"

{
  echo "findings=$findings"
  echo "failing=$failing"
  echo "sarif=$sarif_out"
  echo "report=$report"
} >>"$output"
exit "$code"
