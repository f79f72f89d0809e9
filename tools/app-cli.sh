#!/usr/bin/env bash
# Operator commands run from the sources:
#   npm run config -- <auth-gateway|apiserver|fileserver> dump|explain KEY|check
#   npm run secrets -- generate [--format env|compose|helm]
#   npm run tenant -- create --name NAME --admin USERNAME   (against the running gateway)
# In a deployment the same verbs are on the built app: node dist/apps/<app>/main.js config explain KEY
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
verb=$1
shift
if [[ $verb == secrets || $verb == tenant ]]; then
  app=auth-gateway
else
  app=${1:-}
  [[ -f apps/$app/src/main.ts ]] || { echo "usage: npm run config -- <auth-gateway|apiserver|fileserver> dump|explain KEY|check" >&2; exit 2; }
  shift
fi
exec node_modules/.bin/tsx --tsconfig "apps/$app/tsconfig.json" "apps/$app/src/main.ts" "$verb" "$@"
