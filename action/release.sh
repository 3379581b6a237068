#!/usr/bin/env bash
# Shared by the action's install step and the pre-commit binary hook (sourced, not run): which
# release asset fits this machine, and how to fetch one and check it against SHA256SUMS.
# Portable to bash 3.2 (macOS) and Git Bash (Windows).

# nhiscan_target OS ARCH: the release target for a runner (RUNNER_OS/RUNNER_ARCH) or a
# machine (uname -s / uname -m); empty when no binary is published for it.
nhiscan_target() {
  case "$1/$2" in
    Linux/X64 | Linux/x86_64 | Linux/amd64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64 | Linux/arm64) echo aarch64-unknown-linux-musl ;;
    macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
    macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
    Windows/X64 | MINGW*/x86_64 | MSYS*/x86_64 | CYGWIN*/x86_64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

nhiscan_sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# nhiscan_fetch_release BASE VERSION TARGET DIR: download nhiscan-vVERSION-TARGET.tar.gz and
# SHA256SUMS from BASE/vVERSION/, and unpack the binary into DIR only when its sha256 is the
# one SHA256SUMS lists. Status 1: no such asset (or no download); 2: the check failed.
nhiscan_fetch_release() {
  local base="$1" version="$2" target="$3" dir="$4" asset tmp want got
  asset="nhiscan-v$version-$target.tar.gz"
  tmp="$(mktemp -d)"
  if ! curl -fsSL --retry 3 -o "$tmp/$asset" "$base/v$version/$asset" ||
    ! curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/v$version/SHA256SUMS"; then
    rm -rf "$tmp"
    return 1
  fi
  want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$tmp/SHA256SUMS")
  got=$(nhiscan_sha256 "$tmp/$asset")
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    rm -rf "$tmp"
    return 2
  fi
  mkdir -p "$dir"
  tar -xzf "$tmp/$asset" -C "$dir"
  rm -rf "$tmp"
  echo "nhiscan $version: release binary $asset (sha256 $got, as in SHA256SUMS)"
}
