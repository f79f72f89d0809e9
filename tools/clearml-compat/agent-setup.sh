#!/usr/bin/env bash
# Creates (or reuses) what the agent scenario needs, cached under ~/.cache/warden:
#   a venv holding the pinned clearml-agent, and
#   a wheelhouse with every wheel the agent installs into a task's venv (the task's `clearml` of the
#   given SDK release and its dependencies, and the pip the agent pins), made once by `pip download`.
# With the wheelhouse complete, the agent runs pip with --no-index against it: a second run
# downloads nothing.
# Usage: agent-setup.sh SDK_VERSION   prints two lines: the agent venv's python, the wheelhouse path.
# Idempotent: each part is only reused once a marker written after its successful install exists.
set -euo pipefail

# The newest clearml-agent release on PyPI; bump deliberately, then re-run the agent scenario.
CLEARML_AGENT_VERSION=3.0.3
# What clearml-agent 3.x pins pip to in a task venv on Python 3.10 and 3.11 (agent.package_manager.pip_version).
TASK_PIP='pip<22.3'

sdk_version=${1:?usage: agent-setup.sh SDK_VERSION}
WARDEN_CACHE_DIR=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
VENV="$WARDEN_CACHE_DIR/clearml-agent-venv-$CLEARML_AGENT_VERSION"
WHEELS="$WARDEN_CACHE_DIR/clearml-agent-wheelhouse"

log() { printf '[agent-setup] %s\n' "$*" >&2; }

if [[ ! -f $VENV/.warden-installed ]]; then
  log "creating $VENV with clearml-agent==$CLEARML_AGENT_VERSION"
  rm -rf "$VENV"
  mkdir -p "$WARDEN_CACHE_DIR"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "clearml-agent==$CLEARML_AGENT_VERSION"
  touch "$VENV/.warden-installed"
fi

marker="$WHEELS/.warden-clearml-$sdk_version"
if [[ ! -f $marker ]]; then
  log "downloading the wheels of clearml==$sdk_version and $TASK_PIP into $WHEELS"
  mkdir -p "$WHEELS"
  # The agent venv's python is the one the agent builds task venvs with, so the wheels fit it.
  "$VENV/bin/pip" download --quiet --disable-pip-version-check --only-binary=:all: --dest "$WHEELS" \
    "clearml==$sdk_version" "$TASK_PIP" setuptools wheel
  touch "$marker"
fi

echo "$VENV/bin/python"
echo "$WHEELS"
