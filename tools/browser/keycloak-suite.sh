#!/usr/bin/env bash
# The Keycloak tier (tools/test.sh runs it after the integration tier): issue 14's single sign-on proven
# against a real Keycloak and a real browser. It starts the Keycloak test service (tools/services/keycloak.sh:
# cached install, realm imported with fresh secrets) unless one is up, while a private production-mode
# stack builds (tools/private-stack.sh); the gateway starts with the variables of ClearML's KeyCloak page
# exactly as written (src/keycloak/seed-env-cli.ts) and the console's web_host, the origin Keycloak
# redirects to. Then the
# specs (src/keycloak/*.keycloak.spec.ts) run: the Keycloak service on its own, and the walk in Chromium
# (tools/browser/chromium.sh) through the login page, Keycloak's form and the console. At the end the
# apps' logs must hold no secret, password or token, and a Keycloak this script started is stopped.
# WARDEN_KEYCLOAK_KEEP=1 leaves it running for the next run (it takes 20-60 s to start);
# `bash tools/services/keycloak.sh stop` ends it. Extra arguments go to jest (a spec path, -t NAME).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
tier=keycloak tier_passed="Keycloak single sign-on in Chromium against the Warden stack"
# shellcheck source=tools/browser/tier-common.sh
source tools/browser/tier-common.sh
keycloak=tools/services/keycloak.sh
admin_env="$work/admin.env"
keycloak_started=0
# The log scan starts once the stack's secrets exist; it also looks for Keycloak's and the specs'.
tier_log_secrets() {
  [[ -n ${secrets_env:-} ]] || return 0
  printf '%s\n' --secrets "$secrets_env" --secrets "$work/keycloak-secrets.env" --secrets "$admin_env" \
    --secrets "$work/seen.env" --signatures "$work/seen-signatures"
}
# A Keycloak this script started is stopped (unless kept), after any start still under way ends.
tier_cleanup() {
  [[ -n ${keycloak_pid:-} ]] && wait "$keycloak_pid" 2>/dev/null
  if [[ $keycloak_started -eq 1 && "${WARDEN_KEYCLOAK_KEEP:-0}" != 1 ]]; then bash "$keycloak" stop; fi
}

# Keycloak takes longest: it starts while Chromium, the SDK venv and the stack are set up.
if ! bash "$keycloak" status >/dev/null 2>&1; then
  keycloak_started=1
  bash "$keycloak" start >"$work/keycloak-start.log" 2>&1 &
  keycloak_pid=$!
fi
chromium=$(bash tools/browser/chromium.sh) || { reason="no Chromium (above)"; exit 1; }
python=$(bash tools/clearml-compat/setup.sh) || { reason="no ClearML SDK venv (above)"; exit 1; }
stack_init keycloak
stack_build || { reason=$stack_error; exit 1; }
if [[ -n ${keycloak_pid:-} ]]; then
  wait "$keycloak_pid" || { cat "$work/keycloak-start.log"; reason="Keycloak did not start"; exit 1; }
  keycloak_pid=""
  say "$(tail -n 1 "$work/keycloak-start.log")"
fi

# The tenant SSO users land in (default_company): the spec founds it with this id through the operator
# endpoint once the gateway is up; the gateway only needs the id.
company=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && node --import tsx tools/browser/src/keycloak/seed-env-cli.ts "$company" >"$work/seed.env")
# What the log scan looks for besides the stack's own secrets: the client secrets and the realm's passwords.
(umask 077 && node -e '
  const s = require(process.argv[1]);
  const lines = [`KEYCLOAK_ADMIN_PASSWORD=${s.admin.password}`, `KEYCLOAK_CLIENT_SECRET=${s.client.clientSecret}`,
    `KEYCLOAK_USERINFO_CLIENT_SECRET=${s.userinfoClient.clientSecret}`, `KEYCLOAK_CONSOLE_CLIENT_SECRET=${s.consoleClient.clientSecret}`,
    ...Object.entries(s.passwords).map(([user, pw]) => `KEYCLOAK_PASSWORD_${user}=${pw}`)];
  console.log(lines.join("\n"));
' "$(bash "$keycloak" state)" >"$work/keycloak-secrets.env")
# The default_company tenant's admin, founded by the spec through the operator endpoint with this password.
(umask 077 && echo "WARDEN_BROWSER_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" >"$admin_env")
: >"$work/seen.env" && : >"$work/seen-signatures" && chmod 600 "$work/seen.env" "$work/seen-signatures"
mapfile -t seed_env <"$work/seed.env"
metrics_port=$(free_port)
GATEWAY_ENV=(
  "${seed_env[@]}"
  # web_host is the origin SSO registers with Keycloak: <web_host>/callback_<p>, post-logout
  # <web_host>/login, back-channel <web_host>/backchannel_logout_<p> (the realm's client says the same).
  CLEARML__AUTH_GATEWAY__CONSOLE__API_HOST="$api" CLEARML__AUTH_GATEWAY__CONSOLE__WEB_HOST="$gateway"
  CLEARML__AUTH_GATEWAY__CONSOLE__FILES_HOST="$files"
  CLEARML__AUTH_GATEWAY__METRICS__ENABLED=true CLEARML__AUTH_GATEWAY__METRICS__LISTEN_PORT="$metrics_port"
)
stack_start || { reason=$stack_error; exit 1; }
say "auth-gateway $gateway, apiserver $api, fileserver $files; Keycloak $(bash "$keycloak" url); Chromium $chromium"

mkdir -p .warden/screenshots/keycloak .warden/test-results
rm -rf .warden/screenshots/keycloak/*
rc=0
env WARDEN_BROWSER_CHROMIUM="$chromium" WARDEN_BROWSER_SCREENSHOTS="$root/.warden/screenshots/keycloak" \
  WARDEN_BROWSER_GATEWAY="$gateway" WARDEN_BROWSER_API="$api" WARDEN_BROWSER_FILES="$files" \
  WARDEN_BROWSER_METRICS="http://127.0.0.1:$metrics_port/metrics" WARDEN_BROWSER_SDK_PYTHON="$python" \
  WARDEN_BROWSER_ADMIN=founder WARDEN_BROWSER_ADMIN_ENV="$admin_env" \
  WARDEN_BROWSER_SECRETS_ENV="$secrets_env" WARDEN_BROWSER_SEEN_SECRETS="$work/seen.env" \
  WARDEN_BROWSER_SEEN_SIGNATURES="$work/seen-signatures" WARDEN_BROWSER_GATEWAY_LOG="$logs/auth-gateway.log" \
  WARDEN_KEYCLOAK_COMPANY="$company" WARDEN_KEYCLOAK_SEED_ENV="$work/seed.env" WARDEN_KEYCLOAK_MONGO_AUTH="$mongo_auth" \
  npx jest -c tools/browser/jest.keycloak.config.js --runInBand --json --outputFile=.warden/test-results/keycloak.json "$@" || rc=$?
((rc == 0)) || { reason="at least one Keycloak spec failed (above)"; exit "$rc"; }
