#!/usr/bin/env bash
# The README's test command. On a new machine it installs everything the tests need (npm packages,
# Redis, FerretDB, Elasticsearch; cached for later runs), starts the backing services on loopback,
# then runs every tier: build, lint and unit tests, then integration tests against the real services,
# then the ClearML SDK compatibility suite against the whole stack (tools/clearml-compat/suite.sh, and
# its TLS variant for one scenario) and the attack suite against the production-mode stack
# (tools/attack/suite.sh), then the browser tier: the web console in Debian's Chromium through
# playwright-core (tools/browser/suite.sh), then the Keycloak tier: single sign-on against a real
# Keycloak in Chromium (tools/browser/keycloak-suite.sh, its own Keycloak and stack).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

bash tools/ensure-deps.sh
bash tools/services.sh up
bash tools/services.sh up s3
results=.warden/test-results
rm -rf "$results" && mkdir -p "$results"

status=0
npx nx run-many -t build,lint,test --outputStyle=static || status=$?
if [[ $status -eq 0 ]]; then
  npx nx run-many -t integration --outputStyle=static --parallel=1 || status=$?
fi
if [[ $status -eq 0 ]]; then
  bash tools/clearml-compat/suite.sh || status=$?
  # The same SDK over TLS with a private CA: one scenario, newest SDK, to keep the run short.
  CLEARML_COMPAT_TLS=1 CLEARML_COMPAT_SCENARIOS=basic CLEARML_SDK_VERSIONS=2.1.12 bash tools/clearml-compat/suite.sh || status=$?
  # Every scenario again with the fileserver on the test S3 server (issue 19: once per backend); the newest
  # SDK only, to keep CI time down.
  CLEARML_COMPAT_STORAGE=s3 CLEARML_SDK_VERSIONS=2.1.12 bash tools/clearml-compat/suite.sh || status=$?
  # Two replicas of each service on shared backends, the fileservers on S3 (issue 19): nothing one replica
  # needs in another's memory.
  WARDEN_REPLICAS_STORAGE=s3 bash tools/replicas/suite.sh || status=$?
  bash tools/attack/suite.sh || status=$?
  bash tools/browser/suite.sh || status=$?
  bash tools/browser/keycloak-suite.sh || status=$?
fi
node tools/test-summary.mjs "$results" || status=$?
echo "test run took $((SECONDS - started)) s"
exit $status
