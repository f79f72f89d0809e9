#!/usr/bin/env bash
# `npm run bench <name>`: runs a committed benchmark against the built apps and the real backing
# services, printing each figure next to a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name=${1:-}
[[ -f tools/bench/src/$name.bench.ts ]] || {
  echo "usage: npm run bench <$(cd tools/bench/src && ls ./*.bench.ts | sed 's#./##; s#.bench.ts##' | paste -sd '|')>" >&2
  exit 2
}
shift
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash tools/ensure-deps.sh
services=(redis mongo)
# Only the events bench writes to Elasticsearch; the others need not wait for it.
[[ $name == events ]] && services+=(elasticsearch)
# The fault run stops and starts backends: it runs private ones of its own, never the shared ones.
[[ $name == faults ]] || bash tools/services.sh up "${services[@]}"
npx nx run-many -t build -p auth-gateway apiserver fileserver --outputStyle=static >/dev/null
exec node_modules/.bin/tsx --tsconfig tools/bench/tsconfig.json "tools/bench/src/$name.bench.ts" "$@"
