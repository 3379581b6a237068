#!/usr/bin/env bash
# The install step of the nhiscan composite action. In order: an nhiscan of the pinned version
# already on PATH, or already in the tool-cache directory (restored by actions/cache), is used
# as is; else the release binary for this runner, verified against the release's SHA256SUMS;
# else (no binary for this runner, download or check failed) `cargo install --locked --path
# "$GITHUB_ACTION_PATH"`. Puts the tool-cache directory on GITHUB_PATH and sets the step
# output `installed=true` when it put a new binary there (the action then saves the cache,
# before the scan runs, so a scan that fails on findings still saves it).
# Portable to bash 3.2 (macOS) and Git Bash (Windows).
set -euo pipefail

# shellcheck source=action/release.sh
. "$(dirname "$0")/release.sh"

version="${NHISCAN_VERSION:?}"
dest="${NHISCAN_INSTALL_DIR:?}"
output="${GITHUB_OUTPUT:-/dev/null}"

version_of() { "$1" --version 2>/dev/null | head -n 1; }

if command -v nhiscan >/dev/null 2>&1 && [ "$(version_of nhiscan)" = "nhiscan $version" ]; then
  echo "nhiscan $version: on PATH at $(command -v nhiscan)"
  echo "source=path" >>"$output"
  exit 0
fi

bin="$dest/bin/nhiscan"
[ -x "$bin.exe" ] && bin="$bin.exe"
if [ -x "$bin" ] && [ "$(version_of "$bin")" = "nhiscan $version" ]; then
  echo "nhiscan $version: cached"
  echo "$dest/bin" >>"${GITHUB_PATH:-/dev/null}"
  echo "source=cache" >>"$output"
  exit 0
fi

base="${NHISCAN_RELEASE_URL:-https://github.com/${NHISCAN_REPOSITORY:-}/releases/download}"
target=$(nhiscan_target "${RUNNER_OS:-}" "${RUNNER_ARCH:-}")
mkdir -p "$dest/bin"
source=""
if [ -n "$target" ] && [ -n "${NHISCAN_RELEASE_URL:-}${NHISCAN_REPOSITORY:-}" ]; then
  status=0
  nhiscan_fetch_release "$base" "$version" "$target" "$dest/bin" || status=$?
  case "$status" in
    0) source=release ;;
    2) echo "::warning::nhiscan: nhiscan-v$version-$target.tar.gz does not match SHA256SUMS; building from source" ;;
    *) echo "::notice::nhiscan: no release binary nhiscan-v$version-$target.tar.gz; building from source" ;;
  esac
fi
if [ -z "$source" ]; then
  cargo install --locked --root "$dest" --path "${GITHUB_ACTION_PATH:?}"
  source=cargo
fi
echo "$dest/bin" >>"${GITHUB_PATH:-/dev/null}"
{
  echo "source=$source"
  echo "installed=true"
} >>"$output"
