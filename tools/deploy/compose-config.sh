#!/usr/bin/env bash
# Runs compose-go's loader (the one behind `docker compose config`) on compose files:
#   tools/deploy/compose-config.sh [-env-file FILE] -f deploy/compose/docker-compose.yml [-f override.yml]
# prints the resolved project as JSON. No Docker engine is needed: the loader is built once from Go
# modules (tools/deploy/compose-config) and cached outside the repository, keyed by its sources.
set -euo pipefail
SERVICE_NAME=compose-config
source "$(dirname "${BASH_SOURCE[0]}")/../services/common.sh"

SRC="$WARDEN_ROOT/tools/deploy/compose-config"
VERSION=$(grep -oE 'compose-spec/compose-go/v2 v[^ ]+' "$SRC/go.mod" | cut -d' ' -f2)
BIN="$WARDEN_CACHE_DIR/bin/compose-config-$VERSION-$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-12)"

if [[ ! -x "$BIN" ]]; then
  command -v go >/dev/null || die "go not found: install Go 1.24 or newer (the compose loader is built from Go modules once)"
  log "building compose-go $VERSION's loader (first time only)"
  mkdir -p "$(dirname "$BIN")"
  # Build beside the target and rename, so an interrupted build never leaves a half-written binary.
  (cd "$SRC" && CGO_ENABLED=0 nice go build -trimpath -o "$BIN.tmp.$$" .) || { rm -f "$BIN.tmp.$$"; die "go build failed"; }
  mv "$BIN.tmp.$$" "$BIN"
fi
exec "$BIN" "$@"
