#!/usr/bin/env bash
# The clearml-agent scenario: the pinned, unmodified clearml-agent (PyPI) as `clearml-agent daemon
# --queue Q --foreground` in venv mode (no Docker) against a running Warden stack. The SDK creates two
# standalone script tasks (no git repository) and enqueues them; the agent registers as a worker, builds
# a venv per task and runs them; agent_scenario.py verifies through the REST API and the authenticated
# fileserver that the first one's scalars, console and artifact arrived, and that tasks.stop on the
# second, running one, stops it. See agent_scenario.py for what exactly is checked.
#
# Environment (all required):
#   CLEARML_API_HOST CLEARML_WEB_HOST CLEARML_FILES_HOST CLEARML_API_ACCESS_KEY CLEARML_API_SECRET_KEY
#   SDK_PYTHON   a venv python with the clearml SDK (the tasks' `clearml` is the same release)
#   WORK_DIR     a private temp dir (created if missing; left for the caller to remove)
# Optional: AGENT_SCENARIO_TIMEOUT_SEC (240) bounds the whole run.
#
# The agent installs a task's requirements with pip --no-index from a wheelhouse that agent-setup.sh
# fills once (cached with the agent's venv under ~/.cache/warden), and reuses a built task venv through
# its venvs cache: a second run downloads nothing. Exit 0 on pass; otherwise the last line says why.
# Every process it started (the daemon, the task runs it spawned) is stopped on exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started=$SECONDS
limit=${AGENT_SCENARIO_TIMEOUT_SEC:-240}
daemon_pid=""
sdk_pid=""
reason=""

say() { printf '[agent-scenario %3d s] %s\n' "$((SECONDS - started))" "$*"; }
fail() { reason="$*"; exit 1; }

# Every descendant of a process, deepest first: task runs may leave the daemon's process group.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

stop_agent() {
  [[ -n $daemon_pid ]] || return 0
  local pids
  pids=$(descendants "$daemon_pid")
  kill -- "-$daemon_pid" 2>/dev/null || true
  # shellcheck disable=SC2086 # a list of pids
  [[ -n $pids ]] && kill $pids 2>/dev/null
  for _ in $(seq 1 40); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 -- "-$daemon_pid" 2>/dev/null || true
  # shellcheck disable=SC2086
  [[ -n $pids ]] && kill -9 $pids 2>/dev/null
  daemon_pid=""
}

finish() {
  local rc=$?
  trap - EXIT
  set +e
  if [[ -n $sdk_pid ]]; then
    # shellcheck disable=SC2046 # a list of pids
    kill $(descendants "$sdk_pid") "$sdk_pid" 2>/dev/null
  fi
  stop_agent
  if ((rc != 0)); then
    # The agent prints the access key it uses; it is no secret, but keep it out of CI logs all the same.
    [[ -f ${WORK_DIR:-}/agent.log ]] && { echo "--- the agent's log (last 40 lines)"; tail -n 40 "$WORK_DIR/agent.log" | sed "s/${CLEARML_API_ACCESS_KEY:-no key}/<access key>/g"; }
    printf 'agent-scenario: FAILED after %d s: %s\n' "$((SECONDS - started))" "${reason:-exit status $rc}"
  else
    printf 'agent-scenario: PASSED in %d s\n' "$((SECONDS - started))"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

for var in CLEARML_API_HOST CLEARML_WEB_HOST CLEARML_FILES_HOST CLEARML_API_ACCESS_KEY CLEARML_API_SECRET_KEY SDK_PYTHON WORK_DIR; do
  [[ -n ${!var:-} ]] || fail "$var is not set"
done
mkdir -p "$WORK_DIR/home" "$WORK_DIR/sdk" "$WORK_DIR/tmp"
chmod 700 "$WORK_DIR"

sdk_version=$("$SDK_PYTHON" -c 'import clearml; print(clearml.__version__)') || fail "SDK_PYTHON has no clearml SDK"
mapfile -t setup < <("$here/agent-setup.sh" "$sdk_version") || true
[[ ${#setup[@]} -eq 2 ]] || fail "agent-setup.sh failed (above)"
agent_python=${setup[0]} wheels=${setup[1]}
agent_version=$("$agent_python" -c 'from clearml_agent.version import __version__; print(__version__)')
say "clearml-agent $agent_version, clearml SDK $sdk_version, wheelhouse $wheels"

# Only what the scenario needs reaches the SDK and the agent: nothing of the user's own ClearML set-up.
: >"$WORK_DIR/sdk/clearml.conf"
connection=(CLEARML_API_HOST="$CLEARML_API_HOST" CLEARML_WEB_HOST="$CLEARML_WEB_HOST" CLEARML_FILES_HOST="$CLEARML_FILES_HOST"
  CLEARML_API_ACCESS_KEY="$CLEARML_API_ACCESS_KEY" CLEARML_API_SECRET_KEY="$CLEARML_API_SECRET_KEY")
sdk() {
  local left=$((limit - (SECONDS - started)))
  ((left > 0)) || fail "out of time (AGENT_SCENARIO_TIMEOUT_SEC=$limit)"
  (cd "$WORK_DIR/sdk" && timeout "$left" env -i PATH="$PATH" HOME="$WORK_DIR/sdk" TMPDIR="$WORK_DIR/sdk" \
    LANG=C.UTF-8 NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost PYTHONDONTWRITEBYTECODE=1 \
    CLEARML_CONFIG_FILE="$WORK_DIR/sdk/clearml.conf" "${connection[@]}" PYTHONPATH="$here" "$SDK_PYTHON" "$here/agent_scenario.py" "$@")
}

queue_name="agent-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
queue_id=$(sdk queue "$queue_name" 2>"$WORK_DIR/sdk.err") || { cat "$WORK_DIR/sdk.err"; fail "could not create queue $queue_name: $(tail -n 1 "$WORK_DIR/sdk.err")"; }

# The agent's own configuration: the venvs it builds stay in WORK_DIR, the built venvs and pip's
# downloads are cached across runs; no Docker, no git cache (the tasks have no repository).
cache=${WARDEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/warden}
(
  umask 077
  cat >"$WORK_DIR/agent.conf" <<EOF
agent {
  worker_id: "warden-$queue_name"
  venvs_dir: "$WORK_DIR/venvs-builds"
  venvs_cache { path: "$cache/clearml-agent-venvs-cache", max_entries: 10, free_space_threshold_gb: 0 }
  vcs_cache.enabled: false
  pip_download_cache { enabled: true, path: "$cache/clearml-agent-pip-cache" }
  package_manager.pip_version: "<22.3"
}
EOF
)
say "starting clearml-agent daemon --queue $queue_name --foreground (venv mode)"
(cd "$WORK_DIR" && exec setsid env -i PATH="$PATH" HOME="$WORK_DIR/home" TMPDIR="$WORK_DIR/tmp" LANG=C.UTF-8 \
  NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost CLEARML_CONFIG_FILE="$WORK_DIR/agent.conf" "${connection[@]}" \
  PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$agent_python" -m clearml_agent daemon --queue "$queue_name" --foreground --cpu-only) >"$WORK_DIR/agent.log" 2>&1 &
daemon_pid=$!

# In the background, waited for: a signal's trap runs at once, not after the scenario's end.
sdk run "$queue_name" "$queue_id" 2>"$WORK_DIR/sdk.err" &
sdk_pid=$!
rc=0
wait "$sdk_pid" || rc=$?
sdk_pid=""
if ((rc != 0)); then
  cat "$WORK_DIR/sdk.err"
  ((rc == 124)) && fail "the scenario did not finish within AGENT_SCENARIO_TIMEOUT_SEC=$limit s"
  fail "$(tail -n 1 "$WORK_DIR/sdk.err")"
fi
kill -0 "$daemon_pid" 2>/dev/null || fail "the agent daemon exited during the scenario"
