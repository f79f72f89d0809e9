#!/usr/bin/env bash
# The replica tier (tools/test.sh runs it after the ClearML SDK suite): two replicas of each service
# (auth-gateway, apiserver, fileserver) on loopback, production mode with generated secrets, sharing
# one MongoDB (the suite's own databases), a Redis of the suite's own, the shared Elasticsearch and one
# fileserver store, plus a test-only round-robin front per service (tools/replicas/src). The spec
# proves that nothing one replica needs lives in another's memory: logins, logouts, key rotation,
# files, login rate limits, and replicas killed mid-traffic. Its report goes to .warden/test-results.
# WARDEN_REPLICAS_STORAGE=s3 puts the fileservers on the test S3 server (tools/services/s3.sh).
# Extra arguments go to jest (e.g. -t NAME).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
started=$SECONDS
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
# Everything here talks to loopback: a proxy configured for the machine must not get in between.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
log=$(mktemp -t warden-replicas-build.XXXXXX)
npx nx run-many -t build -p auth-gateway apiserver fileserver --outputStyle=static >"$log" 2>&1 || { tail -n 30 "$log"; rm -f "$log"; echo "replicas: building the apps failed" >&2; exit 1; }
rm -f "$log"
mkdir -p .warden/test-results
rc=0
npx jest -c tools/replicas/jest.config.js --runInBand --json --outputFile=.warden/test-results/replicas.json "$@" || rc=$?
echo "[replicas] $( ((rc == 0)) && echo PASSED || echo FAILED) in $((SECONDS - started)) s"
exit "$rc"
