#!/usr/bin/env bash
# Creates (or reuses) a Python venv holding one pinned ClearML SDK release for the compatibility suite.
#   tools/clearml-compat/setup.sh [VERSION]     (VERSION defaults to 2.1.12)
# Prints the venv's python path on stdout, so callers can do: PY=$(tools/clearml-compat/setup.sh 1.16.5).
# Idempotent: a venv is reused once the marker written after a successful install names exactly the
# pinned package list below; a changed list installs what is missing into the same venv.
set -euo pipefail

# The newest release on PyPI that installs cleanly on Python 3.11 here; bump deliberately, then re-run the survey.
DEFAULT_VERSION=2.1.12
CLEARML_VERSION=${1:-$DEFAULT_VERSION}
[[ $CLEARML_VERSION =~ ^[0-9]+(\.[0-9]+){1,3}$ ]] || { printf '[clearml-compat] ERROR: not a release number: %s\n' "$CLEARML_VERSION" >&2; exit 1; }
# What the scenarios use beside the SDK (Logger.report_matplotlib_figure), pinned for every SDK release.
EXTRAS=(matplotlib==3.10.7)

WARDEN_CACHE_DIR=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
VENV="$WARDEN_CACHE_DIR/clearml-venv-$CLEARML_VERSION"
MARKER="$VENV/.warden-installed"
WANTED="clearml==$CLEARML_VERSION ${EXTRAS[*]}"

log() { printf '[clearml-compat] %s\n' "$*" >&2; }
die() { printf '[clearml-compat] ERROR: %s\n' "$*" >&2; exit 1; }

installed() { [[ -f "$MARKER" && $(cat "$MARKER") == "$WANTED" ]]; }

if ! installed; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    # A fresh Debian/Ubuntu machine: install Python's venv support the way the backing services are installed.
    log "installing python3-venv from Debian packages"
    (source "$(dirname "${BASH_SOURCE[0]}")/../services/common.sh" && apt_install python3 python3-venv)
    python3 -c 'import venv, ensurepip' 2>/dev/null ||
      die "python3 has no venv/ensurepip module (Debian/Ubuntu: apt-get install python3-venv)"
  fi
  mkdir -p "$WARDEN_CACHE_DIR"
  # A venv without any marker is a broken earlier attempt: start it afresh.
  [[ -f "$MARKER" ]] || { rm -rf "$VENV"; python3 -m venv "$VENV"; }
  log "installing $WANTED into $VENV"
  # shellcheck disable=SC2086 # WANTED is a list of pinned requirement specifiers
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $WANTED
  printf '%s' "$WANTED" >"$MARKER"
fi

log "clearml $CLEARML_VERSION in $VENV"
echo "$VENV/bin/python"
