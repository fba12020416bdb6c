#!/usr/bin/env bash
# Make a Docker engine answer on this machine, idempotently: install Debian's docker.io if the
# engine is missing, install debootstrap (the grader bootstraps its base image where no registry
# can be reached), and start dockerd in the background if `docker info` gets no answer.
# Quiet unless a step fails: one status line per step. Needs root for whatever it must change.
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/sbin:/sbin"
apt_updated=0

status() { printf 'setup-docker: %s\n' "$*"; }

fail() {
  printf 'setup-docker: error: %s\n' "$*" >&2
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

need_root() {
  [ "$(id -u)" -eq 0 ] || fail "$1 needs root: rerun as root (sudo bash scripts/setup-docker.sh)"
}

apt_install() {
  need_root "installing $*"
  if [ "$apt_updated" -eq 0 ]; then
    quietly apt-get update
    apt_updated=1
  fi
  quietly apt-get install -y --no-install-recommends "$@"
}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

ensure_engine_installed() {
  if command -v dockerd >/dev/null && command -v docker >/dev/null; then
    status "docker engine: installed ($(dockerd --version 2>/dev/null | head -n 1))"
  else
    apt_install docker.io
    status "docker engine: installed docker.io from the distribution"
  fi
}

ensure_debootstrap() {
  if command -v debootstrap >/dev/null; then
    status "debootstrap: installed"
  else
    apt_install debootstrap
    status "debootstrap: installed from the distribution"
  fi
}

start_daemon() {
  need_root "starting dockerd"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # setsid + nohup: the daemon outlives this script and the shell that ran it.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local waited=0
  until engine_answers; do
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      fail "dockerd did not answer within ${WAIT_SECONDS}s (log: $DOCKERD_LOG)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  status "docker daemon: started in ${waited}s (log: $DOCKERD_LOG)"
}

ensure_daemon() {
  if engine_answers; then
    status "docker daemon: running"
  elif pgrep -x dockerd >/dev/null; then
    # A daemon that is still starting up: give it the same time before starting another.
    local waited=0
    until engine_answers; do
      [ "$waited" -ge "$WAIT_SECONDS" ] && fail "dockerd runs but does not answer (log: $DOCKERD_LOG)"
      sleep 1
      waited=$((waited + 1))
    done
    status "docker daemon: running (answered after ${waited}s)"
  else
    start_daemon
  fi
}

ensure_engine_installed
ensure_debootstrap
ensure_daemon
