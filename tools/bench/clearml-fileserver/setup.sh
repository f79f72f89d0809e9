#!/usr/bin/env bash
# Creates (or reuses) the Python venv that runs the bench's ClearML-fileserver stand-in
# (standin.py) under gunicorn. Prints the venv's bin folder on stdout:
#   BIN=$(tools/bench/clearml-fileserver/setup.sh)
# The versions are the floors clearml-server's fileserver/requirements.txt names (flask>=2.3.3,
# werkzeug>=3.0.1, gunicorn>=20.1.0), pinned exactly so every run measures the same code.
# Idempotent (see tools/pinned-venv.sh).
set -euo pipefail

WANTED="flask==2.3.3 werkzeug==3.0.1 gunicorn==20.1.0"
WARDEN_CACHE_DIR=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
VENV="$WARDEN_CACHE_DIR/clearml-fileserver-venv"
# shellcheck source=../../pinned-venv.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../pinned-venv.sh"
pinned_venv "$VENV" "$WANTED"
echo "$VENV/bin"
