#!/usr/bin/env bash
# Elasticsearch 8 on loopback, for tests and the local stack: the integ-test-zip from Maven, run on Debian's OpenJDK 17.
# That zip carries only the server and x-pack core/security: no reindex (_delete_by_query, _update_by_query,
# _reindex), no painless scripts, no ingest processors, no ILM, no pipeline aggregations such as bucket_sort,
# and no root endpoint: `GET /` and `HEAD /` (the client's info() and ping()) fail, so probe with cluster health.
# WARDEN_ES_PORT and WARDEN_ES_RUN_DIR (pid, logs, data) run a second, private node beside the shared one,
# e.g. for a test that stops Elasticsearch without disturbing anything else.
SERVICE_NAME=elasticsearch
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VERSION=8.19.21
PORT=${WARDEN_ES_PORT:-9200}
HEAP=${WARDEN_ES_HEAP:-512m}
ES_USER=warden-es

if [[ $(id -u) -eq 0 ]]; then
  # ES refuses to run as root, and the checkout and cache may sit under /root, which no other user can enter:
  # as root, the unpacked ES and its state live in one machine-wide directory that ES's own user can reach.
  BASE=${WARDEN_ES_ROOT_DIR:-/var/lib/warden/elasticsearch}
  ES_HOME="$BASE/elasticsearch-$VERSION"
  DIR=${WARDEN_ES_RUN_DIR:-$BASE/run}
  as_es() { setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups "$@"; }
else
  ES_HOME="$WARDEN_CACHE_DIR/elasticsearch-$VERSION"
  DIR=${WARDEN_ES_RUN_DIR:-$WARDEN_RUN_DIR/elasticsearch}
  as_es() { "$@"; }
fi
PIDFILE="$DIR/elasticsearch.pid"
LOG="$DIR/logs/elasticsearch.log"

java_home() {
  local d
  for d in "${ES_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-*; do
    [[ -n "$d" && -x "$d/bin/java" ]] && { echo "$d"; return 0; }
  done
  return 1
}

install() {
  java_home >/dev/null || { log "installing OpenJDK 17 from Debian packages"; apt_install openjdk-17-jre-headless; }
  if [[ $(id -u) -eq 0 ]] && ! id -u "$ES_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$ES_USER"
  fi
  [[ -x "$ES_HOME/bin/elasticsearch" ]] && return 0
  command -v mvn >/dev/null || { log "installing maven from Debian packages"; apt_install maven; }
  log "downloading Elasticsearch $VERSION through Maven (first time only)"
  mkdir -p "$(dirname "$ES_HOME")"
  # Unpack beside the target and rename, so an interrupted install never leaves a half-unpacked ES.
  # The zip itself stays in Maven's local repository; the plugin version is pinned so every machine behaves alike.
  # mvn runs in the scratch directory because, without a pom, it leaves a stray target folder where it runs.
  local tmp="$ES_HOME.tmp.$$" out
  mkdir -p "$tmp"
  out=$(cd "$tmp" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" -DoutputDirectory="$tmp" 2>&1) \
    || { rm -rf "$tmp"; printf '%s\n' "$out" >&2; die "could not fetch Elasticsearch $VERSION with mvn"; }
  chmod -R a+rX "$tmp"
  mv "$tmp/elasticsearch-$VERSION" "$ES_HOME" && rm -rf "$tmp"
}

# yellow is as good as it gets on one node: replicas of user indices stay unassigned.
ready() { curl -sf "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null; }

start() {
  install
  if ready; then log "already running on 127.0.0.1:$PORT"; return 0; fi
  port_open "$PORT" && die "port $PORT is taken by something that is not Elasticsearch; set WARDEN_ES_PORT"
  mkdir -p "$DIR"
  [[ $(id -u) -eq 0 ]] && chown "$ES_USER:" "$DIR"
  # A fresh copy of the distribution's config each start: ES writes its keystore there, and the unpacked
  # distribution stays read-only and shared. Data survives restarts.
  as_es bash -c 'rm -rf "$1/config" "$1/tmp" && cp -r "$2/config" "$1/config" && mkdir -p "$1/data" "$1/logs" "$1/tmp"' \
    _ "$DIR" "$ES_HOME"
  log "starting Elasticsearch $VERSION (about 10 s)"
  # -d returns once the node has started (or failed); setsid detaches it from this script's process group.
  # Transport port 0: a single node talks to no one, so any free port will do and none can clash.
  # The disk threshold is off because a nearly full disk would otherwise make new indices unassignable.
  # Wildcard index deletion is allowed so tests can clean up with one request.
  # No heap pre-touch: it makes the whole heap resident (about 190 MB more RSS) for a node that barely uses it.
  if ! as_es env HOME="$DIR" ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$DIR/config" ES_TMPDIR="$DIR/tmp" \
      ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP -XX:-AlwaysPreTouch" CLI_JAVA_OPTS="-Djava.io.tmpdir=$DIR/tmp" \
      timeout 300 setsid -w "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE" \
      -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" -Etransport.port=0 \
      -Expack.security.enabled=false -Ecluster.routing.allocation.disk.threshold_enabled=false \
      -Eaction.destructive_requires_name=false -Epath.data="$DIR/data" -Epath.logs="$DIR/logs" \
      >"$DIR/console.log" 2>&1 </dev/null; then
    stop_pidfile "$PIDFILE"
    tail -n 5 "$DIR/console.log" >&2
    die "did not start; see $DIR/console.log and $LOG"
  fi
  wait_for elasticsearch 60 ready || { stop_pidfile "$PIDFILE"; die "not healthy; see $LOG"; }
  log "ready on 127.0.0.1:$PORT (Elasticsearch $VERSION, data in $DIR/data)"
}

stop() { stop_pidfile "$PIDFILE"; }

status() { ready && echo "elasticsearch: up (127.0.0.1:$PORT)" || { echo "elasticsearch: down"; return 1; }; }

"${1:-status}"
