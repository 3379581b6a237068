#!/usr/bin/env bash
# Org-scan benchmark: `nhiscan org scan` (release build) over many real repositories served as
# file:// clone URLs — a first run (clone + full history into a fresh cache and datastore), a
# second run over nothing new (fetch + ref checks only), and, over the same clones in the same
# run, a loop of `betterleaks git` (the fastest peer on history) and of `gitleaks git`, one
# process per repository. Peak RSS is the max resident set of the whole nhiscan process.
#
#   bash bench/org.sh REPO.git [REPO.git ...]    # bare or non-bare local repositories, >= 20
#
# Environment: RUNS (default 3), CACHE (default ../bench-cache), SHARED (default ../shared),
# JOBS (org scan -j, default: nproc). Appends raw rows to bench/results/<date>-org.csv.
# Not a test: nothing here asserts a speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$root/../bench-cache}
shared=${SHARED:-$root/../shared}
runs=${RUNS:-3}
jobs=${JOBS:-$(nproc)}
[[ $# -gt 0 ]] || { echo "usage: bash bench/org.sh REPO [REPO ...]" >&2; exit 2; }
mkdir -p "$cache" "$root/bench/results"
cache=$(cd "$cache" && pwd)
bash "$shared/bench/peers.sh" "$cache/peers" >/dev/null
(cd "$root" && cargo build --release --locked -q)
nh=$root/target/release/nhiscan
bin=$cache/peers/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
csv=$root/bench/results/$(date -u +%F)-org.csv
[[ -f $csv ]] || echo "date,machine,repos,step,run,wall_s,max_rss_kb,blobs_scanned,findings" >"$csv"
machine="$(nproc)cpu-$(free -g | awk '/Mem:/{print $2}')GiB"

list=$work/repos.txt
: >"$list"
for r in "$@"; do
  r=$(cd "$r" && pwd)
  echo "file://$r" >>"$list"
  git -C "$r" cat-file --batch-all-objects --batch >/dev/null # warm the page cache
done
n=$(wc -l <"$list")
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
row() { # step run -> appends, prints nothing
  read -r wall rss <"$work/t"
  echo "$(date -u +%FT%TZ),$machine,$n,$1,$2,$wall,$rss,$3,$4" >>"$csv"
  echo "$wall $rss" >>"$work/times-$1"
}

for r in $(seq "$runs"); do
  rm -rf "$work/cache" "$work/org.db"
  for step in first second; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$nh" org scan --repos "$list" --cache "$work/cache" \
      --datastore "$work/org.db" -j "$jobs" --format json --fail-on none --quiet >"$work/$step.json" 2>"$work/$step.err" ||
      { echo "org scan ($step, run $r) failed:" >&2; cat "$work/$step.err" >&2; exit 1; }
    row "$step" "$r" "$(jq '.summary.blobs_scanned' "$work/$step.json")" "$(jq '.summary.findings' "$work/$step.json")"
  done
done
clones=("$@")  # the repositories the org scan cloned from
for peer in betterleaks gitleaks; do
  for r in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/t" bash -c '
      peer=$1; bin=$2; shift 2
      for c in "$@"; do
        case $peer in
          betterleaks) "$bin/betterleaks" git "$c" --no-banner --exit-code 0 -o /dev/null >/dev/null 2>&1 || true ;;
          gitleaks) "$bin/gitleaks" git "$c" --no-banner --exit-code 0 --report-path /dev/null >/dev/null 2>&1 || true ;;
        esac
      done' _ "$peer" "$bin" "${clones[@]}"
    row "$peer-loop" "$r" - -
  done
done

printf '%-16s %10s %12s   (%s repositories, median of %s)\n' step "wall(s)" "peak RSS(MB)" "$n" "$runs"
for step in first second betterleaks-loop gitleaks-loop; do
  mw=$(awk '{print $1}' "$work/times-$step" | median)
  mr=$(awk '{print $2}' "$work/times-$step" | sort -g | tail -1)
  printf '%-16s %10.2f %12.0f\n' "$step" "$mw" "$((mr / 1024))"
done
echo "first-run findings: $(jq '.summary.findings' "$work/first.json"), blobs: $(jq '.summary.blobs_scanned' "$work/first.json")"
echo "raw rows: $csv"
