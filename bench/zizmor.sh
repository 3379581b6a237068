#!/usr/bin/env bash
# Install zizmor 1.32.0 (PyPI) into a venv under target/ for the pipeline evaluation
# (eval/score_workflows.py). Prints the path of the zizmor binary.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/target/zizmor-venv"
if [ ! -x "$venv/bin/zizmor" ] || ! "$venv/bin/zizmor" --version | grep -q '1\.32\.0'; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'zizmor==1.32.0'
fi
echo "$venv/bin/zizmor"
