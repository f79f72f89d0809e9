#!/usr/bin/env bash
# The browser tier (tools/test.sh runs it after the integration tier): the web console driven in a real
# Chromium (Debian's package, installed by tools/browser/chromium.sh) through playwright-core, against a
# private production-mode stack on free ports (tools/private-stack.sh, as the ClearML SDK suite starts
# it) whose gateway has a fixed-user admin as tools/stack.sh configures one. The specs
# (tools/browser/src/*.browser.spec.ts) run in jest; their report goes to .warden/test-results with
# the other tiers', a screenshot of every page they visited to .warden/screenshots. At the end the
# apps' logs must hold no secret, password or token: the generated ones, and every password and API
# secret the specs saw in the browser (tools/clearml-compat/scan_logs.py).
# Extra arguments go to jest (e.g. a spec's path or -t NAME).
# For developing a spec: BROWSER_STACK_HOLD=FILE writes the stack's coordinates to FILE (mode 600) and
# keeps the stack up until FILE is removed; BROWSER_STACK=FILE runs the specs against that stack.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
tier=browser tier_passed="the console in Chromium against the Warden stack"
# shellcheck source=tools/browser/tier-common.sh
source tools/browser/tier-common.sh
# The log scan starts once the stack is up and the specs' record of what they saw exists.
tier_log_secrets() {
  [[ -n ${seen:-} ]] || return 0
  printf '%s\n' --secrets "$secrets_env" --secrets "$admin_env" --secrets "$seen.env" --signatures "$seen-signatures"
}

chromium=$(bash tools/browser/chromium.sh) || { reason="no Chromium (above)"; exit 1; }
python=$(bash tools/clearml-compat/setup.sh) || { reason="no ClearML SDK venv (above)"; exit 1; }

start() {
  stack_init browser
  stack_build || { reason=$stack_error; exit 1; }
  # The stack's admin, as tools/stack.sh makes one: a fixed user with a generated password (in a file
  # only, mode 600; the specs read it from there).
  admin_env="$work/admin.env"
  (umask 077 && echo "WARDEN_BROWSER_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" >"$admin_env")
  local metrics_port password
  password=$(sed -n 's/^WARDEN_BROWSER_ADMIN_PASSWORD=//p' "$admin_env")
  metrics_port=$(free_port)
  GATEWAY_ENV=(
    CLEARML__APISERVER__AUTH__FIXED_USERS__ENABLED=true
    "CLEARML__APISERVER__AUTH__FIXED_USERS__USERS=[{\"username\": \"admin\", \"password\": \"$password\", \"name\": \"Admin\", \"admin\": true}]"
    # What the console writes into the clearml.conf block it hands out: this stack's own hosts.
    CLEARML__AUTH_GATEWAY__CONSOLE__API_HOST="$api" CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST="$gateway"
    CLEARML__AUTH_GATEWAY__CONSOLE__FILES_HOST="$files"
    # The session-expiry spec waits out a 3-second token: a clock-skew allowance of 1 s (one machine).
    CLEARML__AUTH_GATEWAY__TOKENS__LEEWAY_SEC=1
    # The CSP report counter is read from the gateway's metrics.
    CLEARML__AUTH_GATEWAY__METRICS__ENABLED=true CLEARML__AUTH_GATEWAY__METRICS__LISTEN_PORT="$metrics_port"
  )
  stack_start || { reason=$stack_error; exit 1; }
  say "auth-gateway $gateway (metrics :$metrics_port), apiserver $api, fileserver $files; Chromium $chromium"
  seen="$work/seen"
  (umask 077 && : >"$seen.env" && : >"$seen-signatures")
  stack_env=(
    WARDEN_BROWSER_GATEWAY="$gateway" WARDEN_BROWSER_API="$api" WARDEN_BROWSER_FILES="$files"
    WARDEN_BROWSER_METRICS="http://127.0.0.1:$metrics_port/metrics" WARDEN_BROWSER_ADMIN=admin
    WARDEN_BROWSER_SECRETS_ENV="$secrets_env" WARDEN_BROWSER_ADMIN_ENV="$admin_env"
    WARDEN_BROWSER_SEEN_SECRETS="$seen.env" WARDEN_BROWSER_SEEN_SIGNATURES="$seen-signatures"
    WARDEN_BROWSER_GATEWAY_LOG="$logs/auth-gateway.log"
  )
}

if [[ -n ${BROWSER_STACK:-} ]]; then
  mapfile -t stack_env <"$BROWSER_STACK"
else
  start
  if [[ -n ${BROWSER_STACK_HOLD:-} ]]; then
    (umask 077 && printf '%s\n' "${stack_env[@]}" >"$BROWSER_STACK_HOLD")
    say "holding the stack: its coordinates are in $BROWSER_STACK_HOLD; remove that file to stop it"
    while [[ -f $BROWSER_STACK_HOLD ]]; do sleep 2; done
    exit 0
  fi
fi

rm -rf .warden/screenshots && mkdir -p .warden/screenshots .warden/test-results
rc=0
env "${stack_env[@]}" WARDEN_BROWSER_CHROMIUM="$chromium" WARDEN_BROWSER_SCREENSHOTS="$root/.warden/screenshots" \
  WARDEN_BROWSER_SDK_PYTHON="$python" \
  npx jest -c tools/browser/jest.config.js --runInBand --json --outputFile=.warden/test-results/browser.json "$@" || rc=$?
say "$(find .warden/screenshots -name '*.png' | wc -l) screenshots in .warden/screenshots"
((rc == 0)) || { reason="at least one browser spec failed (above)"; exit "$rc"; }
