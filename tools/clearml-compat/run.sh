#!/usr/bin/env bash
# Runs scenario.py with the pinned ClearML SDK against the server named by the environment:
#   CLEARML_API_HOST CLEARML_WEB_HOST CLEARML_FILES_HOST CLEARML_API_ACCESS_KEY CLEARML_API_SECRET_KEY
# Nothing of the user's own ClearML set-up is read: HOME and CLEARML_CONFIG_FILE point into a temp dir.
# Prints the SDK version first; on success the scenario's JSON result is the last line of stdout.
# Exits non-zero with a one-line reason on stderr when anything fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() { printf 'clearml-compat: FAIL: %s\n' "$*" >&2; exit 1; }

for var in CLEARML_API_HOST CLEARML_WEB_HOST CLEARML_FILES_HOST CLEARML_API_ACCESS_KEY CLEARML_API_SECRET_KEY; do
  [[ -n "${!var:-}" ]] || fail "$var is not set"
done

python=$("$here/setup.sh") || fail "could not set up the ClearML SDK venv (see above)"

sandbox=$(mktemp -d -t clearml-compat.XXXXXX)
trap 'rm -rf "$sandbox"' EXIT
: >"$sandbox/clearml.conf"

# A bound on each SDK run: it retries an unreachable or 503-answering server for a very long time.
limit=${SCENARIO_TIMEOUT_SEC:-300}

# Only what the scenario needs reaches the SDK: no CLEARML_* from the caller beyond the five above.
run_sdk() {
  timeout "$limit" env -i PATH="$PATH" HOME="$sandbox" TMPDIR="$sandbox" LANG=C.UTF-8 \
    CLEARML_CONFIG_FILE="$sandbox/clearml.conf" \
    CLEARML_API_HOST="$CLEARML_API_HOST" CLEARML_WEB_HOST="$CLEARML_WEB_HOST" \
    CLEARML_FILES_HOST="$CLEARML_FILES_HOST" \
    CLEARML_API_ACCESS_KEY="$CLEARML_API_ACCESS_KEY" CLEARML_API_SECRET_KEY="$CLEARML_API_SECRET_KEY" \
    ${SCENARIO_PROJECT:+SCENARIO_PROJECT="$SCENARIO_PROJECT"} ${SCENARIO_TASK:+SCENARIO_TASK="$SCENARIO_TASK"} \
    "$python" "$@"
}

echo "clearml SDK $(run_sdk -c 'import clearml; print(clearml.__version__)')"

# The scenario runs in the sandbox so the SDK's repository detection finds no git checkout to report.
out="$sandbox/scenario.out"
cp "$here/scenario.py" "$sandbox/scenario.py"
rc=0
(cd "$sandbox" && run_sdk scenario.py) >"$out" 2>"$sandbox/scenario.err" || rc=$?
if ((rc != 0)); then
  cat "$out" "$sandbox/scenario.err" >&2
  ((rc == 124)) && fail "scenario.py did not finish within ${limit}s (SCENARIO_TIMEOUT_SEC)"
  fail "scenario.py exited $rc: $(grep -v '^\s*$' "$sandbox/scenario.err" | tail -n 1)"
fi
cat "$out"
result=$(tail -n 1 "$out")
[[ "$result" == '{"task_id"'* ]] || fail "scenario.py did not print its JSON result last"
