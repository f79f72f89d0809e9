#!/usr/bin/env bash
# MongoDB wire protocol for tests and the local stack: FerretDB with its SQLite backend, on loopback.
# Built from Go modules through our wrapper in ./ferretdb, because the upstream command panics when go-installed.
SERVICE_NAME=mongo
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${WARDEN_MONGO_PORT:-27017}
DIR="$WARDEN_RUN_DIR/mongo"
PIDFILE="$DIR/ferretdb.pid"
LOG="$DIR/ferretdb.log"
SRC="$WARDEN_ROOT/tools/services/ferretdb"
VERSION=$(grep -oE 'github.com/FerretDB/FerretDB v[^ ]+' "$SRC/go.mod" | cut -d' ' -f2)
# The cache is shared by every checkout, so the name carries a hash of the wrapper: editing it forces a rebuild.
BIN="$WARDEN_CACHE_DIR/bin/ferretdb-$VERSION-$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -c1-12)"

install() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null || die "go not found: install Go 1.24 or newer and put it on PATH (FerretDB is built from source once)"
  log "building FerretDB $VERSION (first time only; about a minute)"
  mkdir -p "$(dirname "$BIN")"
  # Build beside the target and rename, so an interrupted build never leaves a half-written binary in the cache.
  # The SQLite driver is pure Go: no C compiler needed, and a static binary survives libc upgrades.
  (cd "$SRC" && CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp.$$" .) || { rm -f "$BIN.tmp.$$"; die "go build failed"; }
  mv "$BIN.tmp.$$" "$BIN"
}

# A wire-protocol ping rather than an open port, so another program on the port never passes for FerretDB.
ready() { port_open "$PORT" && [[ -x "$BIN" ]] && "$BIN" -ping -listen-addr "127.0.0.1:$PORT" 2>/dev/null; }
# Stops the wait early when the server has already exited (bad flags, port race, unwritable data dir).
settled() { ready || ! pid_alive "$PIDFILE"; }

start() {
  install
  if ready; then log "already running on 127.0.0.1:$PORT"; return 0; fi
  port_open "$PORT" && die "port $PORT is taken by something that is not FerretDB; set WARDEN_MONGO_PORT"
  mkdir -p "$DIR/data"
  # setsid + nohup: the server outlives this script and the terminal that ran it.
  # Level "error" by default: at "warn" FerretDB dumps every failed command (each duplicate key, say) into the log.
  nohup setsid "$BIN" -listen-addr "127.0.0.1:$PORT" -sqlite-dir "$DIR/data" \
    -log-level "${WARDEN_MONGO_LOG_LEVEL:-error}" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_for ferretdb 30 settled && ready || { stop_pidfile "$PIDFILE"; tail -n 5 "$LOG" >&2; die "did not start; see $LOG"; }
  log "ready on 127.0.0.1:$PORT (FerretDB $VERSION, data in $DIR/data)"
}

stop() { stop_pidfile "$PIDFILE"; }

status() { ready && echo "mongo: up (127.0.0.1:$PORT, FerretDB $VERSION)" || { echo "mongo: down"; return 1; }; }

"${1:-status}"
