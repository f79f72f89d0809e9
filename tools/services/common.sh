#!/usr/bin/env bash
# Shared by the scripts that install and run the local backing services (tests and local stack only).
# Every service binds to loopback; every install step is idempotent and cached outside the repository.
set -euo pipefail

WARDEN_ROOT=${WARDEN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# Downloads and builds survive across clones; runtime state (pids, logs, data) is per checkout and ignored by git.
WARDEN_CACHE_DIR=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
WARDEN_RUN_DIR=${WARDEN_RUN_DIR:-$WARDEN_ROOT/.warden/run}
mkdir -p "$WARDEN_CACHE_DIR" "$WARDEN_RUN_DIR"

log() { printf '[%s] %s\n' "${SERVICE_NAME:-services}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${SERVICE_NAME:-services}" "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME SECONDS COMMAND...: polls COMMAND until it succeeds or the time is up.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$name did not become ready within ${seconds}s"
      return 1
    fi
    sleep 0.5
  done
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfile PIDFILE: TERM, then KILL after 20 s.
stop_pidfile() {
  local pidfile=$1 pid
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* with your package manager"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  # apt lists are needed once per machine; a stale list is refreshed only when the install fails.
  $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null
  } || die "could not install $* from Debian packages"
}
