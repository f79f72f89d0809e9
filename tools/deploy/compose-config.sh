#!/usr/bin/env bash
# Runs compose-go's loader (the one behind `docker compose config`) on compose files:
#   tools/deploy/compose-config.sh [-env-file FILE] -f deploy/compose/docker-compose.yml [-f override.yml]
# prints the resolved project as JSON. No Docker engine is needed: the loader (tools/deploy/compose-config)
# is built once from Go modules, cached and keyed by a hash of its sources.
set -euo pipefail
SERVICE_NAME=compose-config
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

SRC="$WARDEN_ROOT/tools/deploy/compose-config"
VERSION=$(grep -oE 'compose-spec/compose-go/v2 v[^ ]+' "$SRC/go.mod" | cut -d' ' -f2)
BIN="$WARDEN_CACHE_DIR/bin/compose-config-$VERSION-$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-12)"
build() { (cd "$SRC" && go build -trimpath -o "$OUT" .); }
go_tool "$BIN" "compose-go $VERSION's loader" build
exec "$BIN" "$@"
