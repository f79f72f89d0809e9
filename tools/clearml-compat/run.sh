#!/usr/bin/env bash
# Runs one scenario script with a pinned, unmodified ClearML SDK against the server named by the environment:
#   CLEARML_API_HOST CLEARML_WEB_HOST CLEARML_FILES_HOST CLEARML_API_ACCESS_KEY CLEARML_API_SECRET_KEY
#   bash run.sh [SCRIPT [ARGS...]]     SCRIPT: scenario.py (default) or scenarios/<family>.py
# Or, with SCENARIO_CONFIG_FILE=FILE instead of those five, the SDK reads its server and keys from that
# clearml.conf only, as a user's machine would (the browser tier pastes the console's block there).
# CLEARML_SDK_VERSION picks the SDK release (setup.sh's default otherwise). Nothing of the user's own
# ClearML set-up is read: HOME, TMPDIR and CLEARML_CONFIG_FILE point into a sandbox, a fresh temp dir
# or SCENARIO_SANDBOX (kept, so that a later run sees the SDK's local state as one machine would).
# Every SCENARIO_* variable reaches the script. Prints the SDK version first; on success the script's
# JSON result is the last line of stdout. Exits non-zero with a one-line reason on stderr otherwise.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() { printf 'clearml-compat: FAIL: %s\n' "$*" >&2; exit 1; }

server_env=()
if [[ -n ${SCENARIO_CONFIG_FILE:-} ]]; then
  [[ -f $SCENARIO_CONFIG_FILE ]] || fail "no clearml.conf at SCENARIO_CONFIG_FILE=$SCENARIO_CONFIG_FILE"
else
  for var in CLEARML_API_HOST CLEARML_WEB_HOST CLEARML_FILES_HOST CLEARML_API_ACCESS_KEY CLEARML_API_SECRET_KEY; do
    [[ -n "${!var:-}" ]] || fail "$var is not set"
    server_env+=("$var=${!var}")
  done
fi
script=${1:-scenario.py}
shift || true
[[ -f "$here/$script" ]] || fail "no scenario script $script"

python=$("$here/setup.sh" ${CLEARML_SDK_VERSION:+"$CLEARML_SDK_VERSION"}) || fail "could not set up the ClearML SDK venv (see above)"

if [[ -n ${SCENARIO_SANDBOX:-} ]]; then
  sandbox=$SCENARIO_SANDBOX
  mkdir -p "$sandbox"
else
  sandbox=$(mktemp -d -t clearml-compat.XXXXXX)
  trap 'rm -rf "$sandbox"' EXIT
fi
# The SDK's reporter runs in a subprocess by default, and Task.close() then waits ~10 s for it to confirm
# its queue is empty; in thread mode the same requests reach the server without that wait. Every scenario
# but the reference runs (SCENARIO_SDK_DEFAULTS=1: basic, es-outage) uses thread mode to keep the suite fast.
# A given clearml.conf comes first, unchanged: the thread-mode line only adds a key it does not hold.
if [[ -n ${SCENARIO_CONFIG_FILE:-} ]]; then
  cat "$SCENARIO_CONFIG_FILE" >"$sandbox/clearml.conf"
else
  : >"$sandbox/clearml.conf"
fi
if [[ -z ${SCENARIO_SDK_DEFAULTS:-} ]]; then
  echo 'sdk { development { report_use_subprocess: false } }' >>"$sandbox/clearml.conf"
fi

# A bound on each SDK run: it retries an unreachable or 503-answering server for a very long time.
limit=${SCENARIO_TIMEOUT_SEC:-300}

# Only what the scenario needs reaches the SDK: no CLEARML_* from the caller beyond the five above.
# SCENARIO_CONFIG_FILE is the caller's path: the SDK gets its copy in the sandbox.
mapfile -t scenario_env < <(compgen -v SCENARIO_ | while read -r name; do printf '%s=%s\n' "$name" "${!name}"; done)
run_sdk() {
  timeout "$limit" env -i PATH="$PATH" HOME="$sandbox" TMPDIR="$sandbox" LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 \
    CLEARML_CONFIG_FILE="$sandbox/clearml.conf" "${server_env[@]}" "${scenario_env[@]}" "$python" "$@"
}

echo "clearml SDK $(run_sdk -c 'import clearml; print(clearml.__version__)')"

# The script runs in the sandbox so the SDK's repository detection finds no git checkout to report.
work="$sandbox/run"
mkdir -p "$work/scenarios"
cp "$here/scenario.py" "$work/"
cp "$here"/scenarios/*.py "$work/scenarios/"
name=$(basename "$script")
out="$sandbox/$name.out"
rc=0
(cd "$work" && run_sdk "$script" "$@") >"$out" 2>"$sandbox/$name.err" || rc=$?
if ((rc != 0)); then
  cat "$out" "$sandbox/$name.err" >&2
  ((rc == 124)) && fail "$script did not finish within ${limit}s (SCENARIO_TIMEOUT_SEC)"
  fail "$script exited $rc: $(grep -v '^\s*$' "$sandbox/$name.err" | tail -n 1)"
fi
cat "$out"
[[ -n ${SCENARIO_SHOW_STDERR:-} ]] && cat "$sandbox/$name.err" >&2
result=$(tail -n 1 "$out")
[[ "$result" == '{'* ]] || fail "$script did not print its JSON result last"
