#!/usr/bin/env bash
# The README's "run the stack" command: backing services plus the three apps, in development mode,
# in the foreground (Ctrl-C stops the apps). `tools/stack.sh down` also stops the backing services.
# Development secrets are generated on the first run into .warden/dev-secrets.env (ignored by git).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
APPS=(auth-gateway apiserver fileserver)
PORTS=(8080 8008 8081)
logs=.warden/logs
pids=.warden/run/apps
mkdir -p "$logs" "$pids"

stop_apps() {
  for app in "${APPS[@]}"; do
    [[ -f $pids/$app.pid ]] && kill "$(cat "$pids/$app.pid")" 2>/dev/null || true
    rm -f "$pids/$app.pid"
  done
}

if [[ ${1:-up} == down ]]; then
  stop_apps
  bash tools/services.sh down
  exit 0
fi

bash tools/ensure-deps.sh
bash tools/services.sh up
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t build --outputStyle=static >/dev/null

secrets=.warden/dev-secrets.env
if [[ ! -s $secrets ]]; then
  (umask 077 && node dist/apps/auth-gateway/main.js secrets generate --format env >"$secrets.tmp" && mv "$secrets.tmp" "$secrets")
  echo "[stack] generated development secrets in $secrets"
fi
admin=.warden/dev-admin.env
if [[ ! -s $admin ]]; then
  # A web-login admin for the local stack, as a ClearML fixed user; its password stays in this file and the terminal.
  password=$(node dist/apps/auth-gateway/main.js secrets generate --format env | sed -n 's/^CLEARML__SECURE__AUTH__TOKEN_SECRET=//p')
  (umask 077 && cat >"$admin" <<ENV
CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED=true
CLEARML__APISERVER__AUTH__FIXED_USERS__USERS='[{"username": "admin", "password": "$password", "name": "Admin", "admin": true}]'
ENV
  )
  echo "[stack] created the development admin login in $admin"
fi
set -a
# shellcheck disable=SC1090
source "$secrets"
# shellcheck disable=SC1090
source "$admin"
set +a

stop_apps
trap 'stop_apps; echo "[stack] apps stopped (backing services keep running; tools/stack.sh down stops them)"' EXIT
# Bash skips the EXIT trap when a signal kills it, so turn TERM and INT into ordinary exits.
trap 'exit 143' TERM
trap 'exit 130' INT
for app in "${APPS[@]}"; do
  mapfile -t flags < <(bash tools/app-node-flags.sh "$app")
  node --enable-source-maps "${flags[@]}" "dist/apps/$app/main.js" >>"$logs/$app.log" 2>&1 &
  echo $! >"$pids/$app.pid"
done

for i in "${!APPS[@]}"; do
  url="http://127.0.0.1:${PORTS[$i]}"
  for _ in $(seq 1 120); do
    curl -fs "$url/ready" >/dev/null && break
    kill -0 "$(cat "$pids/${APPS[$i]}.pid")" 2>/dev/null || { tail -n 20 "$logs/${APPS[$i]}.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fs "$url/ready" >/dev/null || { echo "[stack] ${APPS[$i]} is not ready: $(curl -s "$url/ready")" >&2; exit 1; }
done

# Development only: the terminal shows the admin's password so a new user can log in to the console.
admin_password=$(node -p 'JSON.parse(process.env.CLEARML__APISERVER__AUTH__FIXED_USERS__USERS)[0].password')
cat <<MSG

Warden is running (development mode):
  console       http://127.0.0.1:8080/   log in as: admin / $admin_password
                (stored in $admin; never commit it) then create API credentials and paste the
                clearml.conf block the console shows into ~/clearml.conf
  auth-gateway  http://127.0.0.1:8080   (console, auth.login, JWKS at /.well-known/jwks.json)
  apiserver     http://127.0.0.1:8008   (CLEARML_API_HOST)
  fileserver    http://127.0.0.1:8081   (CLEARML_FILES_HOST)
  health        /health and /ready on each; Prometheus metrics on 127.0.0.1:9080, 9008, 9081 /metrics
  logs          $logs/<app>.log
  API login     curl -u admin:PASSWORD http://127.0.0.1:8008/auth.login  ->  token
  new tenant    (set -a; . $secrets; npm run tenant -- create --name COMPANY --admin USERNAME)
Ctrl-C stops the apps.
MSG
wait
