#!/usr/bin/env bash
# An S3-compatible test store on loopback: versitygw (Apache-2.0) with its posix backend on a folder in
# its run dir. Only started when named (`tools/services.sh up s3`); the fileserver's S3 tests use it.
# Root credentials are generated on first start and kept, with the endpoint and bucket, in
# <run dir>/state.json (mode 600): tests read them from there, nothing hard-codes them.
SERVICE_NAME=s3
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VERSION=v1.8.0
PORT=${WARDEN_S3_PORT:-7070}
DIR=${WARDEN_S3_RUN_DIR:-$WARDEN_RUN_DIR/s3}
PIDFILE="$DIR/versitygw.pid"
LOG="$DIR/versitygw.log"
STATE="$DIR/state.json"
BUCKET=warden-test
REGION=us-east-1
BIN="$WARDEN_CACHE_DIR/bin/versitygw-$VERSION"

install() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null || die "go not found: install Go 1.24 or newer and put it on PATH (versitygw is built from source once)"
  log "building versitygw $VERSION (first time only; one to three minutes)"
  mkdir -p "$(dirname "$BIN")"
  # Built into a private folder and renamed, so an interrupted build never leaves a half-written binary
  # in the cache. Pure Go (CGO off): no C compiler needed, and the binary survives libc upgrades.
  local tmp
  tmp=$(mktemp -d "$WARDEN_CACHE_DIR/bin/.versitygw-build.XXXXXX")
  (cd "$tmp" && GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath \
    "github.com/versity/versitygw/cmd/versitygw@$VERSION") || { rm -rf "$tmp"; die "go install failed"; }
  mv "$tmp/versitygw" "$BIN"
  rm -rf "$tmp"
}

# Generated once per run dir; the same keys on every later start, so state.json stays valid.
credentials() {
  [[ -f "$STATE" ]] && return 0
  mkdir -p "$DIR"
  local access secret
  access=$(head -c 15 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  secret=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
  (umask 077 && node -e '
    const [endpoint, access_key, secret_key, bucket, region] = process.argv.slice(1);
    process.stdout.write(JSON.stringify({ endpoint, access_key, secret_key, bucket, region }, null, 2) + "\n");
  ' "http://127.0.0.1:$PORT" "WGW$access" "$secret" "$BUCKET" "$REGION" >"$STATE.tmp") && mv "$STATE.tmp" "$STATE"
  chmod 600 "$STATE"
}

field() { node -e 'process.stdout.write(String(require(process.argv[1])[process.argv[2]]))' "$STATE" "$1"; }

# curl signs with SigV4; the keys go through a config on stdin, never on a command line `ps` shows.
# Every request here has an empty body, hence the fixed payload hash (S3 wants that header signed).
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3_curl() {
  printf 'user = "%s:%s"\n' "$(field access_key)" "$(field secret_key)" |
    curl -K - -sS -o /dev/null -w '%{http_code}' --max-time 5 -H "x-amz-content-sha256: $EMPTY_SHA256" \
      --aws-sigv4 "aws:amz:$REGION:s3" "$@"
}

# A signed request that only this server, with these keys, answers with 200.
ready() { [[ -f "$STATE" ]] && port_open "$PORT" && [[ $(s3_curl "http://127.0.0.1:$PORT/") == 200 ]]; }
settled() { ready || ! pid_alive "$PIDFILE"; }

create_bucket() {
  local code
  code=$(s3_curl -X PUT "http://127.0.0.1:$PORT/$BUCKET") || die "could not create bucket $BUCKET"
  # 409 = it exists already (BucketAlreadyOwnedByYou): start is idempotent.
  [[ $code == 200 || $code == 409 ]] || die "creating bucket $BUCKET answered HTTP $code; see $LOG"
}

start() {
  install
  credentials
  if ready; then create_bucket; log "already running on 127.0.0.1:$PORT"; return 0; fi
  port_open "$PORT" && die "port $PORT is taken by something that does not accept this run dir's keys ($STATE); set WARDEN_S3_PORT or WARDEN_S3_RUN_DIR"
  # The endpoint in state.json must follow a port change between starts.
  [[ $(field endpoint) == "http://127.0.0.1:$PORT" ]] || { rm -f "$STATE"; credentials; }
  mkdir -p "$DIR/data" "$DIR/meta"
  # Keys through the environment (not argv); a sidecar folder holds object metadata, so the store works
  # on filesystems without user xattrs (overlayfs, tmpfs in containers).
  ROOT_ACCESS_KEY=$(field access_key) ROOT_SECRET_KEY=$(field secret_key) \
    nohup setsid "$BIN" --port "127.0.0.1:$PORT" --region "$REGION" --quiet \
    posix --sidecar "$DIR/meta" "$DIR/data" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_for versitygw 30 settled && ready || { stop_pidfile "$PIDFILE"; tail -n 5 "$LOG" >&2; die "did not start; see $LOG"; }
  create_bucket
  log "ready on 127.0.0.1:$PORT (versitygw $VERSION, bucket $BUCKET, credentials in $STATE)"
}

stop() { stop_pidfile "$PIDFILE"; }

status() { ready && echo "s3: up (127.0.0.1:$PORT, versitygw $VERSION)" || { echo "s3: down"; return 1; }; }

"${1:-status}"
