#!/usr/bin/env bash
# The ClearML SDK compatibility suite against the real Warden stack on loopback (tools/test.sh runs it
# after the integration tier). It starts a private Elasticsearch node and the three built apps as separate
# production processes with freshly generated secrets (fileserver auth on), has the operator found two
# tenants on the gateway and each tenant's admin add the user the SDK runs as (tenants.py), then runs
# every scenario with each pinned, unmodified SDK release (run.sh; scenarios/*.py) and verifies what each
# left on the server through the REST API and the fileserver, not through the SDK (check.py, verify/*.py):
#   basic        one training-like task: status, scalars each stored once, log, artifacts by sha256, and a
#                second tenant sees none of it
#   hyperparams  task.connect, connect_configuration, user properties set/read/deleted from another process
#   reports      every Logger report kind read back through the SDK's readers, debug-sample files included
#   storage      StorageManager: upload a file and a folder, exists, size, get_local_copy, download_file
#   lifecycle    Task.init reuse (tasks.reset), clone, reset, publish, stop request, archive, tags,
#                Task.get_tasks with hyperparameter filters
#   models       OutputModel weights, metadata and scalars; Model.query_models filtered by metadata
#   datasets     create, add files, upload, finalize, child version, get_local_copy from another process
#   offline      Task.set_offline session, imported by Task.import_offline_session
#   continue     continue_last_task: the second run keeps every scalar of the first
#   workflows    PipelineDecorator.run_locally, tags/comment/mark_completed/mark_failed, Task.create, clone +
#                set_parameters, Task.query_tasks/get_tasks by name pattern, tags, status, type; last scalars
#   agent        clearml-agent runs a queued task (agent-scenario.sh, when it exists)
#   es-outage    Elasticsearch stopped: an SDK run starts and a direct events.add_batch answers 503;
#                Elasticsearch back: the run finishes, check.py passes, re-sent scalars are stored once
#                (newest SDK release only: it exercises the server's retry path, not the SDK's API)
# The apiserver's access log is the witness of what the SDK got (it swallows most errors): a scenario
# fails on any 404 or 5xx it does not provoke on purpose, and on any request validation error answered to
# an SDK process (gate.py). At the end it lists, per SDK release, each SDK call that answered an error.
# The apps' logs must hold no secret, password or token (scan_logs.py); on failure they are printed,
# redacted. Everything it started is stopped on exit; its MongoDB databases are dropped.
#
# Environment:
#   CLEARML_SDK_VERSIONS     SDK releases to run, newest first (default "2.1.12 1.16.5")
#   CLEARML_COMPAT_SCENARIOS scenarios to run (default: all, in the order above)
#   CLEARML_COMPAT_TLS=1     every app serves https with a certificate of a private CA made for this run
#                            (root, intermediate, leaf; the chain in the file); the apiserver and fileserver
#                            call the gateway over https trusting that CA (tls.ca_file), and the SDK and the
#                            checks trust it through their own setting, requests' REQUESTS_CA_BUNDLE
#   CLEARML_COMPAT_STORAGE=s3 the fileserver keeps objects on the test S3 server (tools/services/s3.sh, its
#                            state.json; `tools/services.sh up s3` first) under a prefix of the run's own,
#                            emptied at the end; the suite then also checks that objects landed there
#   CLEARML_COMPAT_HOLD=FILE after set-up, write the stack's coordinates to FILE (mode 600) and keep the
#                            stack up until FILE is removed: for developing a scenario against it with
#   CLEARML_COMPAT_STACK=FILE run the scenarios against the stack a holding suite described in FILE
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tools/clearml-compat"
cd "$root"
started=$SECONDS
APPS=(auth-gateway apiserver fileserver)
ALL_SCENARIOS=(basic hyperparams reports storage lifecycle models datasets offline continue workflows agent es-outage)
read -r -a versions <<<"${CLEARML_SDK_VERSIONS:-2.1.12 1.16.5}"
read -r -a wanted <<<"${CLEARML_COMPAT_SCENARIOS:-${ALL_SCENARIOS[*]}}"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false PYTHONDONTWRITEBYTECODE=1
# Everything here talks to loopback: a proxy configured for the machine must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

for name in "${wanted[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $name "* ]] || { echo "clearml-compat: unknown scenario $name (known: ${ALL_SCENARIOS[*]})" >&2; exit 2; }
done

work=$(mktemp -d -t warden-compat.XXXXXX)
: >"$work/windows"
attached=${CLEARML_COMPAT_STACK:-}
# shellcheck source=tools/private-stack.sh
source tools/private-stack.sh

step=setup
results=()
failed=0
reason=""
held=""

say() { printf '[clearml-compat %3d s] %s\n' "$((SECONDS - started))" "$*"; }
fail() { reason="$*"; exit 1; }

if [[ -n $attached ]]; then
  # shellcheck disable=SC1090 # written by a holding suite: api, files, gateway, logs, keys
  source "$attached"
else
  stack_init compat
fi
apilog() { echo "$logs/apiserver.log"; }
log_size() { stat -c %s "$(apilog)"; }

scan_logs() {
  local logfiles=()
  for app in "${APPS[@]}"; do [[ -f $logs/$app.log ]] && logfiles+=("$logs/$app.log"); done
  ((${#logfiles[@]})) || return 0
  "$python" "$here/scan_logs.py" --secrets "$secrets_env" --secrets "$tenants_env" \
    --signatures "$signatures" "$@" "${logfiles[@]}"
}

gate() { "$python" "$here/gate.py" "$1" --log "$(apilog)" --windows "$work/windows" --errors "$root/libs/errors/src/errors.ts" "${@:2}"; }

finish() {
  local rc=$?
  trap - EXIT
  set +e
  local group
  for group in "$work"/out/*/*.pgid; do [[ -f $group ]] && kill -- "-$(cat "$group")" 2>/dev/null; done
  [[ -n $attached ]] || stack_down
  local leaks=""
  [[ -n ${python:-} && -n ${secrets_env:-} ]] && leaks=$(scan_logs 2>&1 >/dev/null)
  if [[ -n $leaks ]]; then
    printf '%s\n' "$leaks" | head -n 20
    reason="${reason:+$reason; }the apps' logs hold a secret or token (above)"
    rc=1
  fi
  [[ -n ${s3_prefix:-} ]] && node "$here/s3-store.mjs" empty "$s3_prefix"
  if [[ -s $work/windows && -n ${python:-} ]]; then
    gate summary
  fi
  ((${#results[@]})) && printf 'clearml-compat: %s\n' "${results[@]}"
  if ((rc != 0)); then
    [[ -n ${python:-} && -n ${secrets_env:-} && -z $attached ]] && scan_logs --print --tail 200 2>/dev/null
    printf 'clearml-compat: FAILED in %s: %s (%d s)\n' "$step" "${reason:-exit status $rc}" "$((SECONDS - started))"
  elif [[ -n $held ]]; then
    printf 'clearml-compat: released the held stack (%d s)\n' "$((SECONDS - started))"
  else
    printf 'clearml-compat: PASSED every scenario with clearml SDK %s against the Warden stack%s%s; app logs free of secrets (%d s)\n' \
      "${versions[*]}" "${CLEARML_COMPAT_TLS:+ over TLS (private CA)}" "${s3_prefix:+ with the fileserver on S3}" "$((SECONDS - started))"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap finish EXIT
# Bash skips the EXIT trap when a signal kills it, so turn TERM and INT into ordinary exits.
trap 'exit 143' TERM
trap 'exit 130' INT

# A private CA for the TLS variant: root, intermediate, and a leaf for 127.0.0.1 and localhost (the
# SDK checks the name against the URL it was given), written with its chain up to the root, as Warden
# requires of a certificate no well-known CA issued.
make_pki() {
  local dir=$1
  mkdir -p "$dir"
  (
    cd "$dir"
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    key root.key && key inter.key && key privkey.pem
    printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
    printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >leaf.ext
    openssl req -x509 -new -key root.key -subj "/CN=Warden compat root" -days 2 -addext basicConstraints=critical,CA:true \
      -addext keyUsage=critical,keyCertSign,cRLSign -out root.pem 2>/dev/null
    openssl req -new -key inter.key -subj "/CN=Warden compat intermediate" 2>/dev/null |
      openssl x509 -req -CA root.pem -CAkey root.key -CAcreateserial -days 2 -extfile ca.ext -out inter.pem 2>/dev/null
    openssl req -new -key privkey.pem -subj "/CN=localhost" 2>/dev/null |
      openssl x509 -req -CA inter.pem -CAkey inter.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null
    cat leaf.pem inter.pem root.pem >fullchain.pem
  ) || fail "could not make the TLS variant's certificates with openssl"
}

# The TLS variant: every app on https with the private chain; the apiserver and fileserver trust the
# root for their calls to the gateway; curl (the stack's readiness checks), the SDK and the checking
# scripts (requests) trust it through their own variables, which run.sh passes on to the SDK.
use_tls() {
  local tls="$work/tls" app
  make_pki "$tls"
  export REQUESTS_CA_BUNDLE="$tls/root.pem" CURL_CA_BUNDLE="$tls/root.pem"
  gateway=${gateway/#http:/https:} api=${api/#http:/https:} files=${files/#http:/https:}
  for app in AUTH_GATEWAY APISERVER FILESERVER; do
    declare -n extra="${app#AUTH_}_ENV"
    extra+=("CLEARML__${app}__TLS__CERT=$tls/fullchain.pem" "CLEARML__${app}__TLS__KEY=$tls/privkey.pem")
    [[ $app == AUTH_GATEWAY ]] || extra+=("CLEARML__${app}__TLS__CA_FILE=$tls/root.pem")
  done
}

# The S3 variant: the fileserver on the test S3 server under this run's prefix. Its secret key joins the
# generated secrets that no app log may hold.
use_s3() {
  [[ $CLEARML_COMPAT_STORAGE == s3 ]] || fail "CLEARML_COMPAT_STORAGE=$CLEARML_COMPAT_STORAGE: expected local or s3"
  local settings
  s3_prefix="compat-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  settings=$(node "$here/s3-store.mjs" env "$s3_prefix") || fail "no S3 test store (above)"
  mapfile -t -O "${#FILESERVER_ENV[@]}" FILESERVER_ENV <<<"$settings"
  grep '__S3__SECRET_KEY=' <<<"$settings" >>"$secrets_env"
}

# ---- set-up: SDK venvs, built apps, private Elasticsearch (started first: it takes longest)
start_stack() {
  [[ -z ${CLEARML_COMPAT_TLS:-} ]] || use_tls
  stack_build || fail "$stack_error"
  secrets_env="$work/secrets.env" tenants_env="$work/tenants.env" signatures="$work/token-signatures"
  [[ ${CLEARML_COMPAT_STORAGE:-local} == local ]] || use_s3
  : >"$tenants_env"

  step=start
  stack_start || fail "$stack_error"
  say "auth-gateway $gateway, apiserver $api, fileserver $files (auth on), Elasticsearch 127.0.0.1:$es_port"

  # ---- tenants A and B: founded by the operator, their users added by their admins
  step=tenants
  CHECK_TOKEN_SIGNATURES="$signatures" WARDEN_OPERATOR_SECRET=$(sed -n 's/^CLEARML__SECURE__AUTH__OPERATOR_SECRET=//p' "$secrets_env") \
    "$python" "$here/tenants.py" "$gateway" "$api" "$tenants_env" || fail "could not set up the tenants (above)"
}

hold() {
  local file=$CLEARML_COMPAT_HOLD
  (umask 077 && {
    declare -p api files gateway logs es_port es_dir mongo_auth mongo_backend secrets_env tenants_env signatures
  } >"$file")
  say "holding the stack: its coordinates are in $file; remove that file to stop it"
  while [[ -f $file ]]; do sleep 2; done
}

python=$("$here/setup.sh" "${versions[0]}")
for version in "${versions[@]:1}"; do "$here/setup.sh" "$version" >/dev/null; done
if [[ -z $attached ]]; then
  start_stack
  if [[ -n ${CLEARML_COMPAT_HOLD:-} ]]; then
    hold # until released; then the usual clean-up stops the stack
    held=1
    exit 0
  fi
fi
tenant() { sed -n "s/^TENANT_$1_$2=//p" "$tenants_env"; }
export CHECK_TOKEN_SIGNATURES="$signatures"

# ---- steps a scenario is made of
# sdk_step NAME SCRIPT ARGS...: the script with the current SDK release as tenant A (run.sh), its output
# in $out/NAME.out (one folder per SDK release); the access-log span it covers is an SDK window.
# SANDBOX=dir keeps the SDK's local state (its HOME) between steps, as one machine would; without it
# each step is a fresh machine.
sdk_step() {
  local name=$1 start rc=0 pid
  start=$(log_size)
  # Its own process group, so that the suite's exit stops an SDK run still going in the background.
  sdk_env CLEARML_SDK_VERSION="$version" ${SANDBOX:+SCENARIO_SANDBOX="$SANDBOX"} \
    setsid bash "$here/run.sh" "${@:2}" >"$out/$name.out" 2>&1 &
  pid=$!
  echo "$pid" >"$out/$name.pgid"
  wait "$pid" || rc=$?
  rm -f "$out/$name.pgid"
  sleep 0.2 # the last access line is written just after its answer went out
  echo "sdk $version $scenario $start $(log_size)" >>"$work/windows"
  if ((rc != 0)); then
    show "$name"
    reason="$name: $(tail -n 1 "$out/$name.out" | sed 's/^clearml-compat: FAIL: //' | cut -c1-300)"
    return 1
  fi
}
# sdk_start NAME SCRIPT ARGS...: sdk_step in the background; sdk_wait NAME waits for it and returns its status.
declare -A background=()
sdk_start() {
  sdk_step "$@" &
  background[$1]=$!
}
sdk_wait() { wait "${background[$1]}"; }
stop_background() {
  [[ -n ${background[$1]:-} ]] || return 0
  [[ -f $out/$1.pgid ]] && kill -- "-$(cat "$out/$1.pgid")" 2>/dev/null
  sdk_wait "$1" || true
}
sdk_env() {
  env CLEARML_API_HOST="$api" CLEARML_WEB_HOST="$api" CLEARML_FILES_HOST="$files" \
    CLEARML_API_ACCESS_KEY="$key_a" CLEARML_API_SECRET_KEY="$secret_key_a" SCENARIO_TIMEOUT_SEC=180 "$@"
}
# The step's output without the version lines printed first.
show() { grep -v -e '^clearml SDK ' -e '^\[clearml-compat\] clearml ' "$out/$1.out" | sed "s/^/    [$1] /" || true; }
result() { tail -n 1 "$out/$1.out"; }
# verify SCRIPT ARGS...: a checking script through the REST API with A's keys, and B's as the second tenant
verify() {
  local log="$out/verify-$scenario.out" rc=0
  CLEARML_API_HOST=$api CLEARML_FILES_HOST=$files CLEARML_API_ACCESS_KEY=$key_a CLEARML_API_SECRET_KEY=$secret_key_a \
    CHECK_SECOND_ACCESS_KEY=$(tenant B ACCESS_KEY) CHECK_SECOND_SECRET_KEY=$(tenant B SECRET_KEY) PYTHONPATH="$here" \
    "$python" "$here/$1" "${@:2}" >"$log" 2>&1 || rc=$?
  sed 's/^/    /' "$log"
  ((rc == 0)) || reason="$1: $(tail -n 1 "$log" | sed 's/^clearml-compat: FAIL: //' | cut -c1-300)"
  return "$rc"
}

# ---- scenarios: scenario_NAME runs with $version (the SDK release) and returns non-zero on failure
scenario_basic() {
  SCENARIO_SDK_DEFAULTS=1 SCENARIO_TASK=sdk-scenario sdk_step basic scenario.py || return 1
  verify check.py "$(result basic)"
}

# The common shape: one SDK process writes, another reads it back, then the REST API verifies.
write_then_read() {
  local name=$1 step=$2
  sdk_step "$step-write" "scenarios/$name.py" write || return 1
  sdk_step "$step-read" "scenarios/$name.py" read "$(result "$step-write")" || return 1
  verify "verify/$name.py" "$(result "$step-read")"
}

scenario_hyperparams() { write_then_read hyperparams hp; }

scenario_reports() { write_then_read reports rep; }

scenario_storage() {
  sdk_step storage scenarios/storage.py || return 1
  verify verify/storage.py "$(result storage)"
}

scenario_lifecycle() {
  local machine="$work/sandbox-$version-lifecycle" rc=0
  SANDBOX=$machine sdk_step lc-first scenarios/lifecycle.py first || return 1
  SANDBOX=$machine sdk_step lc-reuse scenarios/lifecycle.py reuse "$(result lc-first)" || return 1
  # A running task that another process asks to stop: the SDK's abort monitor must end it.
  local ready="$out/lc-running.id"
  SCENARIO_READY_FILE=$ready sdk_start lc-running scenarios/lifecycle.py running
  for _ in $(seq 1 120); do [[ -s $ready ]] && break; sleep 0.5; done
  [[ -s $ready ]] || { stop_background lc-running; show lc-running; reason="lc-running: no task id within 60 s"; return 1; }
  sdk_step lc-ops scenarios/lifecycle.py ops "$(result lc-reuse)" "$(cat "$ready")" || rc=1
  # A failed stop request leaves the task running for 90 s: do not wait for that.
  ((rc == 0)) || stop_background lc-running
  # Its exit status is not the verdict: the SDK ends a task stopped from outside with os._exit(1).
  sdk_wait lc-running || true
  ((rc == 0)) || return 1
  verify verify/lifecycle.py "$(result lc-ops)" "$out/lc-running.out"
}

scenario_models() { write_then_read models models; }

scenario_datasets() { write_then_read datasets ds; }

scenario_offline() {
  local machine="$work/sandbox-$version-offline"
  SANDBOX=$machine sdk_step off-record scenarios/offline.py record || return 1
  SANDBOX=$machine sdk_step off-import scenarios/offline.py import "$(result off-record)" || return 1
  verify verify/offline.py "$(result off-import)"
}

scenario_continue() {
  local machine="$work/sandbox-$version-continue"
  SANDBOX=$machine sdk_step cont-first scenarios/continue_task.py first || return 1
  SANDBOX=$machine sdk_step cont-again scenarios/continue_task.py again "$(result cont-first)" || return 1
  verify verify/continue_task.py "$(result cont-again)"
}

# The pipeline runs beside the tasks step: it mostly waits on its own step processes.
scenario_workflows() {
  sdk_start wf-pipeline scenarios/workflows.py pipeline
  sdk_step wf-tasks scenarios/workflows.py tasks || { stop_background wf-pipeline; return 1; }
  sdk_wait wf-pipeline || { show wf-pipeline; reason="wf-pipeline: $(tail -n 1 "$out/wf-pipeline.out" | cut -c1-300)"; return 1; }
  sdk_step wf-query scenarios/workflows.py query "$(result wf-tasks)" "$(result wf-pipeline)" || return 1
  verify verify/workflows.py "$(result wf-query)"
}

scenario_agent() {
  local script="$here/agent-scenario.sh" log="$out/agent.out" rc=0 start
  [[ -f $script ]] || { reason="agent: $script does not exist yet"; return 1; }
  start=$(log_size)
  CLEARML_API_HOST=$api CLEARML_WEB_HOST=$api CLEARML_FILES_HOST=$files CLEARML_API_ACCESS_KEY=$key_a \
    CLEARML_API_SECRET_KEY=$secret_key_a SDK_PYTHON=$("$here/setup.sh" "$version" 2>/dev/null) \
    WORK_DIR="$work/agent-$version" bash "$script" >"$log" 2>&1 || rc=$?
  echo "sdk $version $scenario $start $(log_size)" >>"$work/windows"
  sed 's/^/    [agent] /' "$log"
  ((rc == 0)) || reason="agent: agent-scenario.sh exited $rc: $(tail -n 1 "$log")"
  return "$rc"
}

scenario_es-outage() {
  outage_run && return 0
  # Whatever failed, the scenarios after this one need Elasticsearch and no SDK run left waiting for it.
  stop_background outage
  es up >>"$work/es-start.log" 2>&1
  return 1
}
outage_run() {
  add_batch_503s() { grep -F 'events.add_batch' "$(apilog)" | grep -cF '"statusCode":503' || true; }
  say "es-outage: stopping Elasticsearch, then starting an SDK run"
  es down >/dev/null || { reason="could not stop the private Elasticsearch"; return 1; }
  SCENARIO_SDK_DEFAULTS=1 SCENARIO_TASK=sdk-es-outage sdk_start outage scenario.py
  verify outage.py refused "$(result basic)" || return 1
  # The probe got one 503; a second is the SDK's own batch meeting the outage.
  for _ in $(seq 1 120); do (($(add_batch_503s) >= 2)) && break; sleep 0.5; done
  (($(add_batch_503s) >= 2)) || { reason="the SDK run sent no events.add_batch within 60 s of the outage"; return 1; }
  say "es-outage: the SDK's events.add_batch got 503; starting Elasticsearch again"
  es up >"$work/es-start.log" 2>&1 || { cat "$work/es-start.log"; reason="Elasticsearch did not start again"; return 1; }
  sdk_wait outage || { reason="the SDK run started during the outage failed: $(tail -n 1 "$out/outage.out" | cut -c1-300)"; return 1; }
  verify check.py "$(result outage)" || return 1
  verify outage.py resend "$(result outage)"
}
# What a scenario provokes on purpose: STATUS:ENDPOINT answers its gate accepts.
declare -A PROVOKES=([es-outage]="503:events.add_batch")

run_scenario() {
  scenario=$1
  local t0=$SECONDS start rc=0
  step="$version $scenario"
  reason=""
  start=$(log_size)
  say "$version $scenario: running"
  "scenario_$scenario" || rc=$?
  sleep 0.2
  echo "scenario $version $scenario $start $(log_size) ${PROVOKES[$scenario]:-}" >>"$work/windows"
  if ((rc == 0)); then
    gate check --scenario "$version/$scenario" || { rc=1; reason="the apiserver's log shows answers the suite does not accept (above)"; }
  else
    gate check --scenario "$version/$scenario" || true
  fi
  local verdict=PASSED
  ((rc == 0)) || { verdict="FAILED: $reason"; failed=1; }
  results+=("$(printf '%-7s %-12s %4d s  %s' "$version" "$scenario" "$((SECONDS - t0))" "$verdict")")
  say "$version $scenario: $verdict ($((SECONDS - t0)) s)"
}

# Every scenario's projects carry this run's token: runs against a held stack never see each other's tasks.
export SCENARIO_RUN
SCENARIO_RUN=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
key_a=$(tenant A ACCESS_KEY)
secret_key_a=$(tenant A SECRET_KEY)
newest=${versions[0]}
for version in "${versions[@]}"; do
  out="$work/out/$version"
  mkdir -p "$out"
  for scenario in "${wanted[@]}"; do
    # The outage exercises the server's refusal and the SDK's retries: once, with the newest SDK, after basic.
    if [[ $scenario == es-outage ]]; then
      [[ $version == "$newest" ]] || continue
      [[ -f $out/basic.out ]] || { results+=("$(printf '%-7s %-12s    - s  SKIPPED: needs basic' "$version" "$scenario")"); continue; }
    fi
    run_scenario "$scenario"
  done
done
step=teardown
((failed == 0)) || fail "at least one scenario failed (above)"
if [[ -n ${s3_prefix:-} ]]; then
  stored=$(node "$here/s3-store.mjs" count "$s3_prefix") || fail "could not list the run's S3 prefix (above)"
  ((stored > 0)) || fail "the scenarios passed but the S3 bucket holds no object under $s3_prefix: the fileserver did not use S3"
  say "the fileserver stored $stored objects on S3 under $s3_prefix"
fi
