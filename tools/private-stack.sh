# A private production-mode Warden stack on loopback, for the suites that drive the whole stack
# (tools/clearml-compat/suite.sh, tools/browser/suite.sh): the three built apps as separate processes
# with freshly generated secrets and their deployed Node flags, on free ports, with their own MongoDB
# databases on the shared MongoDB-wire server and their own Elasticsearch node (its own port and folder).
# Sourced, from the repository root, by a script that sets `work` (a private temporary folder) first:
#   stack_init NAME     names the databases and picks the ports: sets gateway api files (URLs), logs,
#                       es_port es_dir mongo_auth mongo_backend
#   stack_build         builds the apps and generates the secrets (secrets_env) while Elasticsearch starts
#   stack_start         starts the apps; GATEWAY_ENV APISERVER_ENV FILESERVER_ENV (arrays of NAME=VALUE)
#                       add to what each app gets
#   stack_down          stops the apps and Elasticsearch, drops the databases (safe to call at any point)
# stack_build and stack_start return 1 with the reason in stack_error.
STACK_APPS=(auth-gateway apiserver fileserver)
stack_root=$PWD
declare -A pids=()
GATEWAY_ENV=() APISERVER_ENV=() FILESERVER_ENV=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

stack_init() {
  # Elasticsearch runs as its own user, which must reach its folder: not under the private $work.
  es_dir=$(mktemp -d -t "warden-$1-es.XXXXXX")
  db="warden_$1_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
  mongo_auth="mongodb://127.0.0.1:27017/${db}_auth"
  mongo_backend="mongodb://127.0.0.1:27017/${db}_backend"
  logs="$work/logs"
  mkdir -p "$logs" "$work/cwd" "$work/files"
  es_port=$(free_port)
  # Chosen before any app starts, so that each app can be told where the others are.
  gateway="http://127.0.0.1:$(free_port)" api="http://127.0.0.1:$(free_port)" files="http://127.0.0.1:$(free_port)"
}

# Only ever the stack's private node: without its own port and folder, services.sh would act on the shared one.
es() {
  [[ -n ${es_dir:-} && -n ${es_port:-} ]] || { echo "private stack: no private Elasticsearch to $1" >&2; return 1; }
  WARDEN_ES_PORT=$es_port WARDEN_ES_RUN_DIR=$es_dir bash tools/services.sh "$1" elasticsearch
}

stack_build() {
  es up >"$work/es-start.log" 2>&1 &
  local es_start=$!
  npx nx run-many -t build -p "${STACK_APPS[@]}" --outputStyle=static >"$work/build.log" 2>&1 ||
    { tail -n 30 "$work/build.log"; stack_error="building the apps failed"; wait "$es_start"; return 1; }
  secrets_env="$work/secrets.env"
  (umask 077 && node dist/apps/auth-gateway/main.js secrets generate --format env >"$secrets_env")
  mapfile -t secret_env <"$secrets_env"
  wait "$es_start" || { cat "$work/es-start.log"; stack_error="the private Elasticsearch node did not start"; return 1; }
}

stack_start() {
  local jwks="$gateway/.well-known/jwks.json"
  start_app auth-gateway CLEARML__AUTH_GATEWAY__LISTEN_PORT="${gateway##*:}" CLEARML__AUTH_GATEWAY__METRICS__ENABLED=false \
    "${GATEWAY_ENV[@]}"
  wait_ready auth-gateway "$gateway" || { stack_error="auth-gateway did not start (above)"; return 1; }
  start_app apiserver CLEARML__APISERVER__LISTEN_PORT="${api##*:}" CLEARML__APISERVER__METRICS__ENABLED=false \
    CLEARML__APISERVER__AUTH_GATEWAY__URL="$gateway" CLEARML__APISERVER__AUTH__JWKS_URL="$jwks" "${APISERVER_ENV[@]}"
  start_app fileserver CLEARML__FILESERVER__LISTEN_PORT="${files##*:}" CLEARML__FILESERVER__METRICS__ENABLED=false \
    CLEARML__FILESERVER__AUTH__ENABLED=true CLEARML__FILESERVER__AUTH__JWKS_URL="$jwks" \
    CLEARML__FILESERVER__STORAGE__PATH="$work/files" "${FILESERVER_ENV[@]}"
  wait_ready apiserver "$api" || { stack_error="apiserver did not start (above)"; return 1; }
  wait_ready fileserver "$files" || { stack_error="fileserver did not start (above)"; return 1; }
}

# Each app gets only what this file sets (no developer .env, config dir or CLEARML_* from the caller).
start_app() {
  local app=$1 flags
  shift
  mapfile -t flags < <(bash tools/app-node-flags.sh "$app")
  (cd "$work/cwd" && exec env -i PATH="$PATH" NODE_ENV=production CLEARML_CONFIG_DIR=/nonexistent-warden-config \
    "${secret_env[@]}" CLEARML__HOSTS__MONGO__AUTH__HOST="$mongo_auth" CLEARML__HOSTS__MONGO__BACKEND__HOST="$mongo_backend" \
    CLEARML_ELASTIC_SERVICE_PORT="$es_port" "$@" node --enable-source-maps "${flags[@]}" "$stack_root/dist/apps/$app/main.js") \
    >>"$logs/$app.log" 2>&1 &
  pids[$app]=$!
}

# wait_ready APP URL: returns once the app answers /ready with 200; otherwise says why on stderr and returns 1.
wait_ready() {
  local app=$1 url=$2
  for _ in $(seq 1 300); do
    kill -0 "${pids[$app]}" 2>/dev/null || { echo "$app exited during start-up (its log is below)" >&2; return 1; }
    curl -fs "$url/ready" >/dev/null && return 0
    sleep 0.2
  done
  echo "$app did not become ready within 60 s: $(curl -s "$url/ready")" >&2
  return 1
}

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
    })().catch((e) => { console.error(`dropping the stack databases: ${e.message}`); process.exit(1); });
  ' "$mongo_auth" "$mongo_backend"
}

stack_down() {
  stop_apps
  [[ -n ${es_dir:-} ]] || return 0
  es down >/dev/null 2>&1
  [[ -n ${mongo_auth:-} ]] && drop_databases
  rm -rf "$es_dir"
}
