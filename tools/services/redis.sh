#!/usr/bin/env bash
# Redis from Debian packages, on loopback, for tests and the local stack.
SERVICE_NAME=redis
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${WARDEN_REDIS_PORT:-6379}
DIR="$WARDEN_RUN_DIR/redis"
PIDFILE="$DIR/redis.pid"

install() {
  command -v redis-server >/dev/null && return 0
  log "installing redis-server from Debian packages"
  apt_install redis-server
}

ready() { redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }

start() {
  install
  if ready; then log "already running on 127.0.0.1:$PORT"; return 0; fi
  port_open "$PORT" && die "port $PORT is taken by something that is not Redis; set WARDEN_REDIS_PORT"
  mkdir -p "$DIR"
  redis-server --bind 127.0.0.1 --port "$PORT" --protected-mode yes --dir "$DIR" \
    --save "" --appendonly no --daemonize yes --pidfile "$PIDFILE" --logfile "$DIR/redis.log"
  wait_for redis 30 ready || die "see $DIR/redis.log"
  log "ready on 127.0.0.1:$PORT"
}

stop() { stop_pidfile "$PIDFILE"; }

status() { ready && echo "redis: up (127.0.0.1:$PORT)" || { echo "redis: down"; return 1; }; }

"${1:-status}"
