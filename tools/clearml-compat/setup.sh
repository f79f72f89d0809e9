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
WANTED="clearml==$CLEARML_VERSION ${EXTRAS[*]}"

log() { printf '[clearml-compat] %s\n' "$*" >&2; }

# shellcheck source=../pinned-venv.sh
source "$(dirname "${BASH_SOURCE[0]}")/../pinned-venv.sh"
pinned_venv "$VENV" "$WANTED"

log "clearml $CLEARML_VERSION in $VENV"
echo "$VENV/bin/python"
