#!/usr/bin/env bash
# The install step of the nhiscan composite action: a pinned release binary for this runner,
# verified against the release's SHA256SUMS; when no binary fits (or the download or the check
# fails), `cargo install --locked --path "$GITHUB_ACTION_PATH"`. Puts nhiscan's directory on
# GITHUB_PATH.
set -euo pipefail

version="${NHISCAN_VERSION:?}"
dest="${NHISCAN_INSTALL_DIR:?}"
base="${NHISCAN_RELEASE_URL:-https://github.com/${NHISCAN_REPOSITORY:?}/releases/download}"
mkdir -p "$dest/bin"

if [ -x "$dest/bin/nhiscan" ] || [ -x "$dest/bin/nhiscan.exe" ]; then
  echo "nhiscan $version: cached"
else
  target=""
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
  esac
  installed=""
  if [ -n "$target" ]; then
    asset="nhiscan-v$version-$target.tar.gz"
    tmp="$(mktemp -d)"
    if curl -fsSL --retry 3 -o "$tmp/$asset" "$base/v$version/$asset" &&
      curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/v$version/SHA256SUMS"; then
      if (cd "$tmp" && grep " $asset\$" SHA256SUMS | sha256sum -c --status -); then
        tar -xzf "$tmp/$asset" -C "$dest/bin"
        installed=yes
      else
        echo "::warning::nhiscan: $asset does not match SHA256SUMS; building from source"
      fi
    else
      echo "::notice::nhiscan: no release binary $asset; building from source"
    fi
    rm -rf "$tmp"
  fi
  if [ -z "$installed" ]; then
    cargo install --locked --root "$dest" --path "${GITHUB_ACTION_PATH:?}"
  fi
fi
echo "$dest/bin" >>"${GITHUB_PATH:-/dev/null}"
