#!/usr/bin/env bash
# Creates (or reuses) a Python venv holding the pinned ClearML SDK used by the compatibility harness.
# Prints the venv's python path on stdout, so callers can do: PY=$(tools/clearml-compat/setup.sh).
# Idempotent: a venv is only reused once a marker written after a successful install exists.
set -euo pipefail

# The newest release on PyPI that installs cleanly on Python 3.11 here; bump deliberately, then re-run the survey.
CLEARML_VERSION=2.1.12

WARDEN_CACHE_DIR=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
VENV="$WARDEN_CACHE_DIR/clearml-venv-$CLEARML_VERSION"
MARKER="$VENV/.warden-installed"

log() { printf '[clearml-compat] %s\n' "$*" >&2; }
die() { printf '[clearml-compat] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ ! -f "$MARKER" ]]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    # A fresh Debian/Ubuntu machine: install Python's venv support the way the backing services are installed.
    log "installing python3-venv from Debian packages"
    (source "$(dirname "${BASH_SOURCE[0]}")/../services/common.sh" && apt_install python3 python3-venv)
    python3 -c 'import venv, ensurepip' 2>/dev/null ||
      die "python3 has no venv/ensurepip module (Debian/Ubuntu: apt-get install python3-venv)"
  fi
  log "creating $VENV with clearml==$CLEARML_VERSION"
  rm -rf "$VENV"
  mkdir -p "$WARDEN_CACHE_DIR"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "clearml==$CLEARML_VERSION"
  touch "$MARKER"
fi

log "clearml $CLEARML_VERSION in $VENV"
echo "$VENV/bin/python"
