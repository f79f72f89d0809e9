#!/usr/bin/env bash
# The attack suite against the production-mode stack on loopback (tools/test.sh runs it after the
# integration tier, next to the ClearML SDK suite): builds the three apps (cached by Nx), then runs
# tools/attack/src/main.ts, which starts the stack on its own Redis and databases, prints the table
# and exits non-zero on any bypass, unexpected 5xx, failure or secret in the apps' logs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
# Everything here talks to loopback: a proxy configured for the machine must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
log=$(mktemp -t warden-attack-build.XXXXXX)
npx nx run-many -t build -p auth-gateway apiserver fileserver --outputStyle=static >"$log" 2>&1 || { tail -n 30 "$log"; rm -f "$log"; echo "attack suite: building the apps failed" >&2; exit 1; }
rm -f "$log"
# exec, and tsx as a loader rather than its CLI (which kills a child that takes its time on SIGTERM):
# signals reach the suite itself, which stops what it started.
exec env TSX_TSCONFIG_PATH=tools/attack/tsconfig.json node --import tsx tools/attack/src/main.ts "$@"
