#!/usr/bin/env bash
# Make a headless Chromium available for tests/integration/test_html_in_browser.py, idempotently:
# do nothing when a chromium, chromium-browser or google-chrome binary is already on PATH,
# otherwise install Debian's chromium package. Quiet unless a step fails. Needs root to install.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

status() { printf 'setup-browser: %s\n' "$*"; }

fail() {
  printf 'setup-browser: error: %s\n' "$*" >&2
  exit 1
}

# Run a command silently; show its output only if it fails.
quietly() {
  local output
  if ! output=$("$@" 2>&1); then
    printf '%s\n' "$output" >&2
    fail "'$*' failed"
  fi
}

existing_browser() {
  local name
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if browser=$(existing_browser); then
  status "chromium: installed ($browser)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || fail "installing chromium needs root: rerun as root (sudo bash $0)"
quietly apt-get update
quietly apt-get install -y --no-install-recommends chromium
browser=$(existing_browser) || fail "the chromium package installed no chromium binary on PATH"
status "chromium: installed from the distribution ($browser)"
