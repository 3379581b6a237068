#!/usr/bin/env bash
# Working-tree benchmark: nhiscan (release build) against gitleaks, betterleaks and kingfisher,
# with ripgrep's keyword pass as the floor, on the same corpus in the same run.
#
#   bash bench/run.sh [TARGET_DIR ...]     # default target: the shared corpus
#
# Environment: RUNS (default 5), CACHE (default ../bench-cache), SHARED (default ../shared), CARGO_TARGET_DIR (where the release build goes; absolute),
# TOOLS (which to run), BEFORE (an older nhiscan binary, timed as nhiscan-before in the same run).
# Prints a table of median wall time and peak RSS per tool and target, and findings per tool,
# and appends raw rows to bench/results/<date>.csv. Not a test: nothing here asserts a speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$root/../bench-cache}
shared=${SHARED:-$root/../shared}
runs=${RUNS:-5}
mkdir -p "$cache" "$root/bench/results"
cache=$(cd "$cache" && pwd)

bash "$shared/bench/peers.sh" "$cache/peers" >/dev/null
bash "$shared/bench/corpus.sh" "$cache/corpus" >/dev/null
(cd "$root" && cargo build --release --locked -q)
# cargo resolves a relative CARGO_TARGET_DIR against the package root; so must we, since
# the timed commands below run from other directories.
td=${CARGO_TARGET_DIR:-target}
[[ $td = /* ]] || td=$root/$td
nh=$td/release/nhiscan
bin=$cache/peers/bin
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("$cache/corpus/src")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The floor: one case-insensitive pass for every rule keyword, what our prefilter does.
"$nh" rules list --format json | jq -r '.[].keywords[]' | tr 'A-Z' 'a-z' | sort -u >"$work/keywords.txt"

csv=$root/bench/results/$(date -u +%F).csv
[[ -f $csv ]] || echo "date,machine,target,tool,run,wall_s,max_rss_kb,findings" >"$csv"
machine="$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"

# tool name -> command (target is $T, report file is $O)
declare -A cmd=(
  [nhiscan-before]='"$before" scan "$T" --format json --fail-on none >"$O" 2>/dev/null'
  [nhiscan]='"$nh" scan "$T" --format json --fail-on none >"$O" 2>/dev/null'
  [gitleaks]='"$bin/gitleaks" dir "$T" --no-banner --exit-code 0 --report-format json --report-path "$O" >/dev/null 2>&1'
  [betterleaks]='"$bin/betterleaks" "$T" --no-banner --exit-code 0 -o "$O" >/dev/null 2>&1'
  [kingfisher]='"$bin/kingfisher" scan "$T" --no-validate --no-update-check --git-history none --format json -o "$O" -q >/dev/null 2>&1 || true'
  [rg-floor]='"$bin/rg" --hidden -i -F -c -f "$work/keywords.txt" "$T" >"$O" 2>/dev/null || true'
)
read -r -a order <<<"${TOOLS:-nhiscan betterleaks gitleaks kingfisher rg-floor}"
[[ -z ${BEFORE:-} ]] || order=(nhiscan-before "${order[@]}")

count() { # tool report -> number of findings
  case $1 in
    nhiscan | nhiscan-before) jq '.summary.locations' "$2" ;;
    gitleaks) jq 'length' "$2" 2>/dev/null || echo 0 ;;
    betterleaks) jq '.findings | length' "$2" 2>/dev/null || echo 0 ;;
    kingfisher) jq '.findings | length' "$2" 2>/dev/null || echo "?" ;;
    *) echo "-" ;;
  esac
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-12s %-28s %10s %10s %9s\n' tool target "wall(s)" "rss(MB)" findings
for T in "${targets[@]}"; do
  name=$(basename "$T")
  # Warm the page cache once so every tool reads from memory.
  "$bin/rg" --hidden -uu -c zzzzzz "$T" >/dev/null 2>&1 || true
  for tool in "${order[@]}"; do
    : >"$work/times"
    for r in $(seq "$runs"); do
      O=$work/$tool.json
      /usr/bin/time -f "%e %M" -o "$work/t" bash -c "nh='$nh' before='${BEFORE:-}' bin='$bin' work='$work' T='$T' O='$O'; ${cmd[$tool]}" || echo "warning: $tool exited non-zero on run $r" >&2
      read -r wall rss <"$work/t"
      n=$(count "$tool" "$O")
      echo "$(date -u +%FT%TZ),$machine,$name,$tool,$r,$wall,$rss,$n" >>"$csv"
      echo "$wall $rss" >>"$work/times"
    done
    mw=$(awk '{print $1}' "$work/times" | median)
    mr=$(awk '{print $2}' "$work/times" | median)
    printf '%-12s %-28s %10.2f %10.0f %9s\n' "$tool" "$name" "$mw" "$((${mr%.*} / 1024))" "$n"
  done
done

# Start-up: a directory with one small file (rule loading and compilation).
one=$work/one && mkdir -p "$one" && echo 'print("hello")' >"$one/a.py"
: >"$work/times"
for r in $(seq 20); do
  t0=$(date +%s%N)
  "$nh" scan "$one" --format json >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))" >>"$work/times"
done
printf 'start-up (1-file dir, median of 20): %.1f ms\n' "$(echo "scale=1; $(median <"$work/times") / 1000" | bc)"
echo "raw rows: $csv"
