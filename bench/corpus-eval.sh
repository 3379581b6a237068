#!/usr/bin/env bash
# Recall and false positives per category on the labelled corpus (eval/corpus), for nhiscan
# (release build) and gitleaks, betterleaks and kingfisher, in the same run.
#
#   bash bench/corpus-eval.sh [--markdown] [--details]
#
# Environment: CACHE (default ../bench-cache), SHARED (default ../shared), NH (an nhiscan binary
# instead of building one), BEFORE (an older nhiscan binary, scored as nhiscan-before).
# Reports go to a temporary directory; the scores JSON is kept in bench/results/<date>-eval.json.
# Not a test: nothing here asserts a recall.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$root/../bench-cache}
shared=${SHARED:-$root/../shared}
mkdir -p "$cache" "$root/bench/results"
cache=$(cd "$cache" && pwd)
SKIP_RG=1 SKIP_DS=1 bash "$shared/bench/peers.sh" "$cache/peers" >/dev/null
if [[ -z ${NH:-} ]]; then
  (cd "$root" && cargo build --release --locked -q)
  NH=$root/target/release/nhiscan
fi
bin=$cache/peers/bin
files=$root/eval/corpus/files
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

reports=()
if [[ -n ${BEFORE:-} ]]; then
  "$BEFORE" scan "$files" --format json --fail-on none --no-ignore >"$work/nhiscan-before.json" 2>/dev/null || true
  reports+=("nhiscan-before=$work/nhiscan-before.json")
fi
# --no-ignore: the corpus is scanned whole, like the peers do (no .gitignore applies to it).
"$NH" scan "$files" --format json --fail-on none --no-ignore >"$work/nhiscan.json" 2>/dev/null || true
"$bin/gitleaks" dir "$files" --no-banner --exit-code 0 --report-format json --report-path "$work/gitleaks.json" >/dev/null 2>&1
"$bin/betterleaks" "$files" --no-banner --exit-code 0 -o "$work/betterleaks.json" >/dev/null 2>&1
"$bin/kingfisher" scan "$files" --no-validate --no-update-check --git-history none --format json -o "$work/kingfisher.json" -q >/dev/null 2>&1 || true
reports+=("nhiscan=$work/nhiscan.json" "gitleaks=$work/gitleaks.json" "betterleaks=$work/betterleaks.json" "kingfisher=$work/kingfisher.json")

echo "corpus: $(jq '.files | length' "$root/eval/corpus/labels.json") files; $("$NH" --version); $("$bin/gitleaks" version 2>/dev/null | head -n1) gitleaks; kingfisher $("$bin/kingfisher" --version 2>/dev/null | awk '{print $2}'); $(date -u +%FT%TZ)"
python3 "$root/eval/score.py" --corpus "$root/eval/corpus" --json "$root/bench/results/$(date -u +%F)-eval.json" "$@" "${reports[@]}"
