#!/usr/bin/env bash
# Shared by the deploy validation scripts: Go tools built once from the Go module proxy into the
# Warden cache (outside the repository), never half-written, rebuilt only when their key changes.
SERVICE_NAME=${SERVICE_NAME:-deploy}
source "$(dirname "${BASH_SOURCE[0]}")/../services/common.sh"

# go_tool BIN DESCRIPTION BUILD-COMMAND...: runs BUILD-COMMAND with $OUT set to a temporary path
# unless BIN exists, then moves the result to BIN. Builds run at low priority: CI shares 2 cores.
go_tool() {
  local bin=$1 what=$2; shift 2
  [[ -x "$bin" ]] && return 0
  command -v go >/dev/null || die "go not found: install Go 1.24 or newer ($what is built from Go modules once)"
  log "building $what (first time only)"
  mkdir -p "$(dirname "$bin")"
  OUT="$bin.tmp.$$"
  (export OUT CGO_ENABLED=0 GOFLAGS=-buildvcs=false; renice -n 10 "$BASHPID" >/dev/null; "$@") || { rm -rf "$OUT" "$OUT.d"; die "building $what failed"; }
  mv "$OUT" "$bin"
}
