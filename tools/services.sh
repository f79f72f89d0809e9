#!/usr/bin/env bash
# Installs (once, cached) and runs the backing services on loopback: Redis, FerretDB, Elasticsearch.
# Keycloak (the SSO tests' identity provider) and s3 (versitygw, the S3 backend's test store) only when
# named: `tools/services.sh up keycloak`, `tools/services.sh up s3`.
# usage: tools/services.sh up|down|status [redis mongo elasticsearch keycloak s3]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
verb=${1:-status}
shift || true
names=("${@:-redis mongo elasticsearch}")
# shellcheck disable=SC2206
names=(${names[*]})

case "$verb" in
  up) for n in "${names[@]}"; do bash "$here/services/$n.sh" start; done ;;
  down) for n in "${names[@]}"; do bash "$here/services/$n.sh" stop; done ;;
  status)
    rc=0
    for n in "${names[@]}"; do bash "$here/services/$n.sh" status || rc=1; done
    exit $rc ;;
  *) echo "usage: tools/services.sh up|down|status [redis mongo elasticsearch keycloak s3]" >&2; exit 2 ;;
esac
