#!/usr/bin/env bash
# The `nhiscan-bin` pre-commit hook (.pre-commit-hooks.yaml, `language: script`): runs the
# prebuilt release binary of the hook's version instead of building the crate. The binary is
# downloaded once per version into ${NHISCAN_CACHE_DIR:-$XDG_CACHE_HOME/nhiscan} (default
# ~/.cache/nhiscan), verified against the release's SHA256SUMS, and never run when the check
# fails. The release comes from the hook repository's origin (pre-commit clones it), or
# NHISCAN_RELEASE_URL. Arguments are nhiscan's (`scan --staged`).
# Portable to bash 3.2 (macOS) and Git Bash (Windows).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=action/release.sh
. "$here/release.sh"
repo="$(dirname "$here")"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
target=$(nhiscan_target "$(uname -s)" "$(uname -m)")
if [ -z "$version" ] || [ -z "$target" ]; then
  echo "nhiscan-bin: no release binary for $(uname -s)/$(uname -m); use the \`nhiscan\` hook (builds from source)" >&2
  exit 2
fi
cache="${NHISCAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nhiscan}/$version/$target"
bin="$cache/nhiscan"
case "$target" in *windows*) bin="$bin.exe" ;; esac

if [ ! -x "$bin" ]; then
  base="${NHISCAN_RELEASE_URL:-}"
  if [ -z "$base" ]; then
    origin=$(git -C "$repo" remote get-url origin 2>/dev/null || true)
    origin="${origin%.git}"
    case "$origin" in
      https://github.com/*) base="$origin/releases/download" ;;
      *) echo "nhiscan-bin: cannot tell where the releases of $origin are; set NHISCAN_RELEASE_URL" >&2; exit 2 ;;
    esac
  fi
  tmp="$cache.tmp.$$"
  status=0
  nhiscan_fetch_release "$base" "$version" "$target" "$tmp" >&2 || status=$?
  case "$status" in
    0) mkdir -p "$cache" && mv "$tmp"/* "$cache"/ && rm -rf "$tmp" ;;
    2) echo "nhiscan-bin: nhiscan-v$version-$target.tar.gz does not match the release's SHA256SUMS: not running it" >&2; exit 2 ;;
    *) echo "nhiscan-bin: cannot download nhiscan-v$version-$target.tar.gz from $base" >&2; exit 2 ;;
  esac
fi
exec "$bin" "$@"
