#!/usr/bin/env bash
# The ClearML SDK compatibility suite against the real Warden stack on loopback (tools/test.sh runs it
# after the integration tier). It starts a private Elasticsearch node and the three built apps as separate
# production processes with freshly generated secrets (fileserver auth on), has the operator found two
# tenants on the gateway and each tenant's admin add the user the SDK runs as (tenants.py), then runs
# two scenarios with the pinned, unmodified SDK (run.sh):
#   basic      scenario.py as tenant A; check.py as A and B (status, scalars each stored once, log lines,
#              artifacts by sha256 through the authenticated fileserver, B sees none of it)
#   es-outage  Elasticsearch stopped: an SDK run starts and a direct events.add_batch answers 503;
#              Elasticsearch back: the run finishes, check.py passes, re-sent scalars are stored once
# The apps' logs must hold no secret, password or token (scan_logs.py); on failure they are printed,
# redacted. Everything it started is stopped on exit; its MongoDB databases are dropped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tools/clearml-compat"
cd "$root"
started=$SECONDS
APPS=(auth-gateway apiserver fileserver)
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false PYTHONDONTWRITEBYTECODE=1
# Everything here talks to loopback: a proxy configured for the machine must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

work=$(mktemp -d -t warden-compat.XXXXXX)
# Elasticsearch runs as its own user, which must reach its folder: not under the private $work.
es_dir=$(mktemp -d -t warden-compat-es.XXXXXX)
mkdir -p "$work/logs" "$work/files" "$work/cwd"
db="warden_compat_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
mongo_auth="mongodb://127.0.0.1:27017/${db}_auth"
mongo_backend="mongodb://127.0.0.1:27017/${db}_backend"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
es_port=$(free_port)
es() { WARDEN_ES_PORT=$es_port WARDEN_ES_RUN_DIR=$es_dir bash tools/services.sh "$1" elasticsearch; }

declare -A pids=()
run_pid=""
step=setup
passed=()
reason=""
sdk="unknown"

say() { printf '[clearml-compat %3d s] %s\n' "$((SECONDS - started))" "$*"; }
fail() { reason="$*"; exit 1; }

stop_apps() {
  local app
  for app in "${!pids[@]}"; do kill "${pids[$app]}" 2>/dev/null || true; done
  for app in "${!pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "${pids[$app]}" 2>/dev/null || break; sleep 0.25; done
    kill -9 "${pids[$app]}" 2>/dev/null || true
  done
}

drop_databases() {
  node -e '
    const mongoose = require("mongoose");
    (async () => {
      for (const url of process.argv.slice(1)) {
        const c = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
        await c.dropDatabase();
        await c.close();
      }
    })().catch((e) => { console.error(`dropping the suite databases: ${e.message}`); process.exit(1); });
  ' "$mongo_auth" "$mongo_backend"
}

scan_logs() {
  local logs=()
  for app in "${APPS[@]}"; do [[ -f $work/logs/$app.log ]] && logs+=("$work/logs/$app.log"); done
  ((${#logs[@]})) || return 0
  "$python" "$here/scan_logs.py" --secrets "$work/secrets.env" --secrets "$work/tenants.env" \
    --signatures "$work/token-signatures" "$@" "${logs[@]}"
}

finish() {
  local rc=$?
  trap - EXIT
  set +e
  [[ -n $run_pid ]] && kill -- "-$run_pid" 2>/dev/null
  stop_apps
  es down >/dev/null 2>&1
  drop_databases
  local leaks=""
  [[ -n ${python:-} ]] && leaks=$(scan_logs 2>&1 >/dev/null)
  if [[ -n $leaks ]]; then
    printf '%s\n' "$leaks" | head -n 20
    reason="${reason:+$reason; }the apps' logs hold a secret or token (above)"
    rc=1
  fi
  if ((rc != 0)); then
    [[ -n ${python:-} ]] && scan_logs --print --tail 200 2>/dev/null
    printf 'clearml-compat: FAILED in %s: %s (clearml SDK %s; passed: %s; %d s)\n' \
      "$step" "${reason:-exit status $rc}" "$sdk" "${passed[*]:-none}" "$((SECONDS - started))"
  else
    printf 'clearml-compat: PASSED %s with clearml SDK %s against the Warden stack; app logs free of secrets (%d s)\n' \
      "${passed[*]}" "$sdk" "$((SECONDS - started))"
  fi
  rm -rf "$work" "$es_dir"
  exit "$rc"
}
trap finish EXIT
# Bash skips the EXIT trap when a signal kills it, so turn TERM and INT into ordinary exits.
trap 'exit 143' TERM
trap 'exit 130' INT

# ---- set-up: SDK venv, built apps, private Elasticsearch (started first: it takes longest)
es up >"$work/es-start.log" 2>&1 &
es_start=$!
python=$("$here/setup.sh")
sdk=$("$python" -c 'import clearml; print(clearml.__version__)')
say "clearml SDK $sdk"
npx nx run-many -t build -p "${APPS[@]}" --outputStyle=static >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; fail "building the apps failed"; }
(umask 077 && node dist/apps/auth-gateway/main.js secrets generate --format env >"$work/secrets.env")
: >"$work/tenants.env"
mapfile -t secret_env <"$work/secrets.env"
wait "$es_start" || { cat "$work/es-start.log"; fail "the private Elasticsearch node did not start"; }

# Each app gets only what this file sets (no developer .env, config dir or CLEARML_* from the caller)
# and runs with its deployed Node flags.
start_app() {
  local app=$1 flags
  shift
  mapfile -t flags < <(bash tools/app-node-flags.sh "$app")
  (cd "$work/cwd" && exec env -i PATH="$PATH" NODE_ENV=production CLEARML_CONFIG_DIR=/nonexistent-warden-config \
    "${secret_env[@]}" CLEARML__HOSTS__MONGO__AUTH__HOST="$mongo_auth" CLEARML__HOSTS__MONGO__BACKEND__HOST="$mongo_backend" \
    CLEARML_ELASTIC_SERVICE_PORT="$es_port" "$@" node --enable-source-maps "${flags[@]}" "$root/dist/apps/$app/main.js") \
    >>"$work/logs/$app.log" 2>&1 &
  pids[$app]=$!
}

# Prints the app's URL once it listens (port 0: the OS picks a free one) and answers /ready with 200;
# otherwise says why on stderr and returns 1.
wait_ready() {
  local app=$1 url=""
  for _ in $(seq 1 300); do
    kill -0 "${pids[$app]}" 2>/dev/null || { echo "$app exited during start-up (its log is below)" >&2; return 1; }
    [[ -n $url ]] || url=$(grep -o '"url":"http://127.0.0.1:[0-9]*"' "$work/logs/$app.log" | head -n 1 | cut -d'"' -f4)
    if [[ -n $url ]] && curl -fs "$url/ready" >/dev/null; then
      echo "$url"
      return 0
    fi
    sleep 0.2
  done
  echo "$app did not become ready within 60 s: $(curl -s "${url:-http://127.0.0.1:1}/ready")" >&2
  return 1
}

step=start
start_app auth-gateway CLEARML__AUTH_GATEWAY__LISTEN_PORT=0 CLEARML__AUTH_GATEWAY__METRICS__ENABLED=false
gateway=$(wait_ready auth-gateway) || fail "auth-gateway did not start (above)"
jwks="$gateway/.well-known/jwks.json"
start_app apiserver CLEARML__APISERVER__LISTEN_PORT=0 CLEARML__APISERVER__METRICS__ENABLED=false \
  CLEARML__APISERVER__AUTH_GATEWAY__URL="$gateway" CLEARML__APISERVER__AUTH__JWKS_URL="$jwks"
start_app fileserver CLEARML__FILESERVER__LISTEN_PORT=0 CLEARML__FILESERVER__METRICS__ENABLED=false \
  CLEARML__FILESERVER__AUTH__ENABLED=true CLEARML__FILESERVER__AUTH__JWKS_URL="$jwks" \
  CLEARML__FILESERVER__STORAGE__PATH="$work/files"
api=$(wait_ready apiserver) || fail "apiserver did not start (above)"
files=$(wait_ready fileserver) || fail "fileserver did not start (above)"
say "auth-gateway $gateway, apiserver $api, fileserver $files (auth on), Elasticsearch 127.0.0.1:$es_port"

# ---- tenants A and B: founded by the operator, their users added by their admins
step=tenants
export CHECK_TOKEN_SIGNATURES="$work/token-signatures"
WARDEN_OPERATOR_SECRET=$(sed -n 's/^CLEARML__SECURE__AUTH__OPERATOR_SECRET=//p' "$work/secrets.env") \
  "$python" "$here/tenants.py" "$gateway" "$api" "$work/tenants.env" || fail "could not set up the tenants (above)"
tenant() { sed -n "s/^TENANT_$1_$2=//p" "$work/tenants.env"; }

# An SDK run as tenant A: "${sdk_run[@]}" SCENARIO_TASK=name bash run.sh (JSON result last on stdout)
sdk_run=(env CLEARML_API_HOST="$api" CLEARML_WEB_HOST="$api" CLEARML_FILES_HOST="$files"
  CLEARML_API_ACCESS_KEY="$(tenant A ACCESS_KEY)" CLEARML_API_SECRET_KEY="$(tenant A SECRET_KEY)" SCENARIO_TIMEOUT_SEC=180)
# as_tenant_a SCRIPT ARGS...: a checking script with A's keys, and B's as the second tenant
as_tenant_a() {
  CLEARML_API_HOST=$api CLEARML_FILES_HOST=$files \
    CLEARML_API_ACCESS_KEY=$(tenant A ACCESS_KEY) CLEARML_API_SECRET_KEY=$(tenant A SECRET_KEY) \
    CHECK_SECOND_ACCESS_KEY=$(tenant B ACCESS_KEY) CHECK_SECOND_SECRET_KEY=$(tenant B SECRET_KEY) \
    "$python" "$here/$1" "${@:2}"
}
result_of() { tail -n 1 "$1"; }
# The SDK's output without the version lines printed above.
show_run() { grep -v -e '^clearml SDK ' -e '^\[clearml-compat\] clearml ' "$1" || true; }

# ---- basic
step=basic
say "basic: scenario.py as tenant A"
"${sdk_run[@]}" SCENARIO_TASK=sdk-scenario bash "$here/run.sh" >"$work/basic.out" 2>&1 || { cat "$work/basic.out"; fail "the SDK run failed: $(tail -n 1 "$work/basic.out")"; }
show_run "$work/basic.out"
basic=$(result_of "$work/basic.out")
as_tenant_a check.py "$basic" || fail "check.py failed (above)"
passed+=(basic)

# ---- es-outage
step=es-outage
add_batch_503s() { grep -F 'events.add_batch' "$work/logs/apiserver.log" | grep -cF '"statusCode":503' || true; }
say "es-outage: stopping Elasticsearch, then starting an SDK run"
es down >/dev/null
# Its own process group, so that a failure here stops the SDK too.
(exec setsid "${sdk_run[@]}" SCENARIO_TASK=sdk-es-outage bash "$here/run.sh" >"$work/outage.out" 2>&1) &
run_pid=$!
as_tenant_a outage.py refused "$basic" || fail "outage.py refused failed (above)"
# The probe got one 503; a second is the SDK's own batch meeting the outage.
for _ in $(seq 1 120); do (($(add_batch_503s) >= 2)) && break; sleep 0.5; done
(($(add_batch_503s) >= 2)) || fail "the SDK run sent no events.add_batch within 60 s of the outage"
say "es-outage: the SDK's events.add_batch got 503; starting Elasticsearch again"
es up >"$work/es-start.log" 2>&1 || { cat "$work/es-start.log"; fail "Elasticsearch did not start again"; }
rc=0
wait "$run_pid" || rc=$?
run_pid=""
((rc == 0)) || { cat "$work/outage.out"; fail "the SDK run started during the outage failed: $(tail -n 1 "$work/outage.out")"; }
show_run "$work/outage.out"
outage=$(result_of "$work/outage.out")
as_tenant_a check.py "$outage" || fail "check.py failed after the outage (above)"
as_tenant_a outage.py resend "$outage" || fail "outage.py resend failed (above)"
passed+=(es-outage)
step=teardown
