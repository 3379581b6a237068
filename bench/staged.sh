#!/usr/bin/env bash
# Hook latency: a 1-file staged change in a small repo, whole process, median of 20.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
td=${CARGO_TARGET_DIR:-target}
[[ $td = /* ]] || td=$root/$td
nh=$td/release/nhiscan
[[ -x $nh ]] || { echo "error: $nh missing: cargo build --release first" >&2; exit 2; }
bin=${CACHE:-$root/../bench-cache}/peers/bin
d=$(mktemp -d); cd "$d"
git init -q . && git config user.email b@e && git config user.name b
for i in $(seq 50); do printf 'line %s\n' $i > f$i.txt; done
git add . && git commit -qm init
echo 'API_TOKEN="q7Rz2LxN4vKp9TmW3eRz"' > app.env && git add app.env
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
run() { name=$1; shift; : > /tmp/st.times; for r in $(seq 20); do s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e-s)/1000 )) >> /tmp/st.times; done; printf '%-12s %8.1f ms\n' "$name" "$(echo "scale=1; $(median < /tmp/st.times)/1000" | bc)"; }
run nhiscan "$nh" scan --staged
[[ -z ${BEFORE:-} ]] || run nhiscan-before "$BEFORE" scan --staged
run betterleaks "$bin/betterleaks" git --staged --no-banner .
run gitleaks "$bin/gitleaks" git --pre-commit --staged --no-banner .
run kingfisher "$bin/kingfisher" scan . --staged --no-validate --no-update-check -q
