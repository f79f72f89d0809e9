#!/usr/bin/env bash
# The Keycloak tier (tools/test.sh runs it after the integration tier): starts the Keycloak test service
# (tools/services/keycloak.sh; cached install, realm imported with fresh secrets) unless it is already up,
# runs tools/keycloak's *.keycloak.spec.ts against it, and stops it again if it started it.
# WARDEN_KEYCLOAK_KEEP=1 leaves a Keycloak it started running, so that repeated runs while developing
# skip its 20-60 s start; `bash tools/services/keycloak.sh stop` ends it.
# Extra arguments go to jest (e.g. a spec path or -t 'name').
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# Everything here talks to loopback: a proxy configured for the machine must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

service=tools/services/keycloak.sh
started_here=0
if ! bash "$service" status >/dev/null 2>&1; then
  bash "$service" start
  started_here=1
fi
cleanup() {
  if [[ $started_here -eq 1 && "${WARDEN_KEYCLOAK_KEEP:-0}" != 1 ]]; then bash "$service" stop; fi
}
trap cleanup EXIT

mkdir -p .warden/test-results
npx jest -c tools/keycloak/jest.config.js --runInBand --json --outputFile=.warden/test-results/keycloak.json "$@"
