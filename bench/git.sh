#!/usr/bin/env bash
# Git benchmark: `nhiscan scan --git` (release build) against gitleaks, betterleaks and
# kingfisher with history on and validation off, plus `git cat-file --batch-all-objects
# --batch` to /dev/null as the floor (reading every object once); then `--staged` on a
# one-file change. Same run, same machine.
#
#   bash bench/git.sh REPO [REPO ...]     # e.g. a full clone of git/git
#
# Environment: RUNS (default 3), TOOLS (default: all, space-separated), CACHE (default ../bench-cache), SHARED (default ../shared),
# BEFORE (an older nhiscan binary, timed as nhiscan-before in the same run), CARGO_TARGET_DIR
# (where the release build goes, default target/).
# Appends raw rows to bench/results/<date>-git.csv. Not a test: nothing here asserts a speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$root/../bench-cache}
shared=${SHARED:-$root/../shared}
runs=${RUNS:-3}
[[ $# -gt 0 ]] || { echo "usage: bash bench/git.sh REPO [REPO ...]" >&2; exit 2; }
mkdir -p "$cache" "$root/bench/results"
cache=$(cd "$cache" && pwd)
bash "$shared/bench/peers.sh" "$cache/peers" >/dev/null
(cd "$root" && cargo build --release --locked -q)
# cargo resolves a relative CARGO_TARGET_DIR against the package root; so must we, since
# the timed commands below run from other directories.
td=${CARGO_TARGET_DIR:-target}
[[ $td = /* ]] || td=$root/$td
nh=$td/release/nhiscan
bin=$cache/peers/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
csv=$root/bench/results/$(date -u +%F)-git.csv
[[ -f $csv ]] || echo "date,machine,target,tool,run,wall_s,max_rss_kb,findings" >"$csv"
machine="$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"

declare -A cmd=(
  [nhiscan-before]='"$before" scan "$T" --git --format json --fail-on none >"$O" 2>/dev/null'
  [nhiscan]='"$nh" scan "$T" --git --format json --fail-on none >"$O" 2>/dev/null'
  [gitleaks]='"$bin/gitleaks" git "$T" --no-banner --exit-code 0 --report-format json --report-path "$O" >/dev/null 2>&1'
  [betterleaks]='"$bin/betterleaks" git "$T" --no-banner --exit-code 0 -o "$O" >/dev/null 2>&1'
  [kingfisher]='"$bin/kingfisher" scan "$T" --no-validate --no-update-check --git-history full --format json -o "$O" -q >/dev/null 2>&1 || true'
  [cat-file-floor]='git -C "$T" cat-file --batch-all-objects --batch >/dev/null; echo 0 >"$O"'
)
read -r -a order <<<"${TOOLS:-nhiscan betterleaks gitleaks kingfisher cat-file-floor}"
[[ -z ${BEFORE:-} ]] || order=(nhiscan-before "${order[@]}")

count() {
  case $1 in
    nhiscan | nhiscan-before) jq '.summary.locations' "$2" ;;
    gitleaks) jq 'length' "$2" 2>/dev/null || echo 0 ;;
    betterleaks) jq '.findings | length' "$2" 2>/dev/null || echo 0 ;;
    kingfisher) jq '.findings | length' "$2" 2>/dev/null || echo "?" ;;
    *) echo "-" ;;
  esac
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-15s %-20s %10s %10s %9s\n' tool target "wall(s)" "rss(MB)" findings
for T in "$@"; do
  T=$(cd "$T" && pwd)
  name=$(basename "$T")
  git -C "$T" cat-file --batch-all-objects --batch >/dev/null  # warm the page cache
  for tool in "${order[@]}"; do
    : >"$work/times"
    for r in $(seq "$runs"); do
      O=$work/$tool.json
      /usr/bin/time -f "%e %M" -o "$work/t" bash -c "nh='$nh' before='${BEFORE:-}' bin='$bin' T='$T' O='$O'; ${cmd[$tool]}" || echo "warning: $tool exited non-zero on run $r" >&2
      # a non-zero exit makes time(1) write a "Command exited" line first
      read -r wall rss < <(tail -n 1 "$work/t")
      n=$(count "$tool" "$O")
      echo "$(date -u +%FT%TZ),$machine,$name,$tool,$r,$wall,$rss,$n" >>"$csv"
      echo "$wall $rss" >>"$work/times"
    done
    mw=$(awk '{print $1}' "$work/times" | median)
    mr=$(awk '{print $2}' "$work/times" | median)
    printf '%-15s %-20s %10.2f %10.0f %9s\n' "$tool" "$name" "$mw" "$((${mr%.*} / 1024))" "$n"
  done
done

# --staged on a one-file change in a small repository.
small=$work/small && git init -q "$small"
for i in $(seq 50); do printf 'line %s\n' "$i" >"$small/f$i.txt"; done
git -C "$small" add -A && git -C "$small" -c user.name=b -c user.email=b@b commit -qm init
echo 'print("changed")' >>"$small/f1.txt" && git -C "$small" add f1.txt
: >"$work/times"
for r in $(seq 20); do
  t0=$(date +%s%N)
  (cd "$small" && "$nh" scan --staged --fail-on none >/dev/null) || { echo "error: --staged scan failed" >&2; exit 1; }
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))" >>"$work/times"
done
printf 'staged (1-file change, median of 20): %.1f ms\n' "$(echo "scale=1; $(median <"$work/times") / 1000" | bc)"
echo "raw rows: $csv"
