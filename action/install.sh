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

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

base="${NHISCAN_RELEASE_URL:-https://github.com/${NHISCAN_REPOSITORY:-}/releases/download}"
target=""
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
esac
mkdir -p "$dest/bin"
source=""
if [ -n "$target" ] && [ -n "${NHISCAN_RELEASE_URL:-}${NHISCAN_REPOSITORY:-}" ]; then
  asset="nhiscan-v$version-$target.tar.gz"
  tmp="$(mktemp -d)"
  if curl -fsSL --retry 3 -o "$tmp/$asset" "$base/v$version/$asset" &&
    curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/v$version/SHA256SUMS"; then
    want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$tmp/SHA256SUMS")
    got=$(sha256 "$tmp/$asset")
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
      tar -xzf "$tmp/$asset" -C "$dest/bin"
      source=release
      echo "nhiscan $version: release binary $asset (sha256 $got, as in SHA256SUMS)"
    else
      echo "::warning::nhiscan: $asset does not match SHA256SUMS; building from source"
    fi
  else
    echo "::notice::nhiscan: no release binary $asset; building from source"
  fi
  rm -rf "$tmp"
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
