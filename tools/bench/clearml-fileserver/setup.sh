#!/usr/bin/env bash
# Creates (or reuses) the Python venv that runs the bench's ClearML-fileserver stand-in
# (standin.py) under gunicorn. Prints the venv's bin folder on stdout:
#   BIN=$(tools/bench/clearml-fileserver/setup.sh)
# The versions are the floors clearml-server's fileserver/requirements.txt names (flask>=2.3.3,
# werkzeug>=3.0.1, gunicorn>=20.1.0), pinned exactly so every run measures the same code.
# Idempotent: reused once the marker written after a successful install names this exact list.
set -euo pipefail

WANTED="flask==2.3.3 werkzeug==3.0.1 gunicorn==20.1.0"
WARDEN_CACHE_DIR=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
VENV="$WARDEN_CACHE_DIR/clearml-fileserver-venv"
MARKER="$VENV/.warden-installed"

log() { printf '[clearml-fileserver] %s\n' "$*" >&2; }

if [[ ! -f "$MARKER" || $(cat "$MARKER") != "$WANTED" ]]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv from Debian packages"
    (source "$(dirname "${BASH_SOURCE[0]}")/../../services/common.sh" && apt_install python3 python3-venv)
  fi
  mkdir -p "$WARDEN_CACHE_DIR"
  # A venv without any marker is a broken earlier attempt: start it afresh.
  [[ -f "$MARKER" ]] || { rm -rf "$VENV"; python3 -m venv "$VENV"; }
  log "installing $WANTED into $VENV"
  # shellcheck disable=SC2086 # WANTED is a list of pinned requirement specifiers
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $WANTED
  printf '%s' "$WANTED" >"$MARKER"
fi
echo "$VENV/bin"
