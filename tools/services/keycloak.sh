#!/usr/bin/env bash
# Keycloak (the Quarkus distribution from Maven) on loopback, for the SSO tests (issue 14): dev mode,
# in-memory database, the realm of tools/services/keycloak/realm-warden.json imported at every start
# with a client secret, user passwords and an admin password generated for that start. Not part of
# `tools/services.sh up` by default: it takes 20-60 s to start and about 0.5 GB, which only the
# Keycloak tier needs (tools/browser/keycloak-suite.sh starts it; `tools/services.sh up keycloak` by hand).
#
# What a test needs (URLs, client secret, passwords) is written to $DIR/state.json, mode 600, never to
# the repository. Several instances can run side by side: each has its own run dir, HTTP port and
# management port (WARDEN_KEYCLOAK_RUN_DIR, WARDEN_KEYCLOAK_PORT, WARDEN_KEYCLOAK_MANAGEMENT_PORT).
# WARDEN_KEYCLOAK_WEB_ORIGIN is the Warden web_host (auth_gateway.console.web_host) the client's URLs
# point at: callback <web_host>/callback_<p>, post-logout <web_host>/login, back-channel logout
# <web_host>/backchannel_logout_<p> (tests may change it later through the admin REST API).
# WARDEN_KEYCLOAK_JAVA_HOME picks the JVM; otherwise the newest installed one is used: Keycloak 26
# needs Java 21+, and on Java 17 the last 25.x release runs instead.
SERVICE_NAME=keycloak
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VERSION_JAVA21=26.7.3
VERSION_JAVA17=25.0.6
PORT=${WARDEN_KEYCLOAK_PORT:-8180}
MANAGEMENT_PORT=${WARDEN_KEYCLOAK_MANAGEMENT_PORT:-9180}
WEB_ORIGIN=${WARDEN_KEYCLOAK_WEB_ORIGIN:-http://127.0.0.1:8080}
DIR=${WARDEN_KEYCLOAK_RUN_DIR:-$WARDEN_RUN_DIR/keycloak}
REALM=warden
TEMPLATE="$(dirname "${BASH_SOURCE[0]}")/keycloak/realm-warden.json"
PIDFILE="$DIR/keycloak.pid"
STATE="$DIR/state.json"
LOG="$DIR/keycloak.log"

# java_major HOME: the feature release of the JVM in HOME (17, 21, 25...), from its release file.
java_major() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  [[ -n "$v" ]] || v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  echo "${v:-0}"
}

# java_candidates: every JVM home this machine knows of, the explicit choices first.
java_candidates() {
  local java
  printf '%s\n' "${WARDEN_KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}"
  for java in /usr/lib/jvm/*/bin/java $(update-alternatives --list java 2>/dev/null) "$(command -v java || true)"; do
    [[ -x "$java" ]] && dirname "$(dirname "$(readlink -f "$java")")"
  done
}

# java_home: an explicit WARDEN_KEYCLOAK_JAVA_HOME wins; otherwise the newest JVM found.
java_home() {
  if [[ -n "${WARDEN_KEYCLOAK_JAVA_HOME:-}" ]]; then
    [[ -x "$WARDEN_KEYCLOAK_JAVA_HOME/bin/java" ]] || die "WARDEN_KEYCLOAK_JAVA_HOME=$WARDEN_KEYCLOAK_JAVA_HOME has no bin/java"
    echo "$WARDEN_KEYCLOAK_JAVA_HOME"
    return 0
  fi
  local best="" best_major=0 home major
  while read -r home; do
    [[ -n "$home" && -x "$home/bin/java" ]] || continue
    major=$(java_major "$home")
    ((major > best_major)) && { best=$home; best_major=$major; }
  done < <(java_candidates | awk 'NF && !seen[$0]++')
  [[ -n "$best" ]] && echo "$best"
}

choose_runtime() {
  JAVA_HOME_KC=$(java_home) || true
  if [[ -z "$JAVA_HOME_KC" ]] || (($(java_major "$JAVA_HOME_KC") < 17)); then
    log "no Java 17+ found: installing OpenJDK 17 from Debian packages"
    apt_install openjdk-17-jre-headless
    JAVA_HOME_KC=$(java_home)
  fi
  local major
  major=$(java_major "$JAVA_HOME_KC")
  if ((major >= 21)); then VERSION=$VERSION_JAVA21; else VERSION=$VERSION_JAVA17; fi
  KC_HOME="$WARDEN_CACHE_DIR/keycloak-$VERSION"
}

install() {
  choose_runtime
  [[ -x "$KC_HOME/bin/kc.sh" ]] && return 0
  command -v mvn >/dev/null || { log "installing maven from Debian packages"; apt_install maven; }
  log "downloading Keycloak $VERSION through Maven (first time only, about 180 MB)"
  local artifact="org.keycloak:keycloak-quarkus-dist:$VERSION:zip" tmp="$KC_HOME.tmp.$$" out
  local repo=${WARDEN_MAVEN_REPO_LOCAL:-$HOME/.m2/repository}
  local zip="$repo/org/keycloak/keycloak-quarkus-dist/$VERSION/keycloak-quarkus-dist-$VERSION.zip"
  mkdir -p "$tmp"
  # Strict checksums: Maven refuses a zip whose .sha1 does not match; the check below repeats it on
  # the file in Maven's local repository, which a later corruption or a hand-placed file could change.
  out=$(cd "$tmp" && mvn -B -q -C org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get \
    -Dmaven.repo.local="$repo" -Dartifact="$artifact" -Dtransitive=false 2>&1) \
    || { rm -rf "$tmp"; printf '%s\n' "$out" >&2; die "could not fetch $artifact with mvn"; }
  [[ -f "$zip" && -f "$zip.sha1" ]] || { rm -rf "$tmp"; die "Maven left no $zip and $zip.sha1"; }
  [[ "$(sha1sum "$zip" | cut -d' ' -f1)" == "$(cut -c1-40 "$zip.sha1")" ]] \
    || { rm -rf "$tmp"; die "$zip does not match its .sha1: delete it and retry"; }
  # Unpack beside the target and rename, so an interrupted install never leaves a half-unpacked Keycloak.
  (cd "$tmp" && unzip -q "$zip") || { rm -rf "$tmp"; die "could not unpack $zip"; }
  mv "$tmp/keycloak-$VERSION" "$KC_HOME" && rm -rf "$tmp"
}

# instance_home: a per-instance Keycloak home. Dev mode re-augments the server into lib/quarkus at
# start, so each instance gets its own copy of that (5 MB) and of conf/, and shares the 170 MB of
# jars, themes and providers by symlink. kc.sh finds its home from its own (resolved) path, hence a copy.
instance_home() {
  local home="$DIR/home"
  if [[ "$(cat "$home/.version" 2>/dev/null)" != "$VERSION" ]]; then
    rm -rf "$home"
    mkdir -p "$home/bin" "$home/lib" "$home/data/import"
    cp "$KC_HOME/bin/kc.sh" "$home/bin/"
    cp -r "$KC_HOME/lib/quarkus-run.jar" "$KC_HOME/lib/quarkus" "$KC_HOME/lib/app" "$home/lib/"
    cp -r "$KC_HOME/conf" "$home/conf"
    ln -s "$KC_HOME/lib/lib" "$home/lib/lib"
    ln -s "$KC_HOME/themes" "$home/themes"
    ln -s "$KC_HOME/providers" "$home/providers"
    echo "$VERSION" >"$home/.version"
  fi
  echo "$home"
}

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# write_realm HOME: the realm file with this start's secrets, and state.json describing them.
write_realm() {
  local home=$1 client_secret userinfo_secret console_secret admin_password users user sed_args=()
  [[ "$WEB_ORIGIN" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?$ ]] \
    || die "WARDEN_KEYCLOAK_WEB_ORIGIN must be scheme://host[:port], got '$WEB_ORIGIN'"
  client_secret=$(secret)
  userinfo_secret=$(secret)
  console_secret=$(secret)
  admin_password=$(secret)
  sed_args+=(-e "s|@CLIENT_SECRET@|$client_secret|g" -e "s|@USERINFO_CLIENT_SECRET@|$userinfo_secret|g")
  sed_args+=(-e "s|@CONSOLE_CLIENT_SECRET@|$console_secret|g")
  sed_args+=(-e "s|@WEB_ORIGIN@|$WEB_ORIGIN|g")
  users=$(sed -n 's/.*@PASSWORD_\([a-z]*\)@.*/\1/p' "$TEMPLATE")
  local passwords=""
  for user in $users; do
    local pw
    pw=$(secret)
    sed_args+=(-e "s|@PASSWORD_${user}@|$pw|g")
    passwords+="${passwords:+, }\"$user\": \"$pw\""
  done
  (umask 077 && sed "${sed_args[@]}" "$TEMPLATE" >"$home/data/import/realm-$REALM.json")
  ADMIN_PASSWORD=$admin_password
  (umask 077 && cat >"$STATE.tmp" <<EOF
{
  "url": "http://127.0.0.1:$PORT",
  "managementUrl": "http://127.0.0.1:$MANAGEMENT_PORT",
  "realm": "$REALM",
  "issuer": "http://127.0.0.1:$PORT/realms/$REALM",
  "webOrigin": "$WEB_ORIGIN",
  "version": "$VERSION",
  "admin": { "username": "warden-admin", "password": "$admin_password" },
  "client": { "clientId": "warden", "clientSecret": "$client_secret" },
  "userinfoClient": { "clientId": "warden-userinfo", "clientSecret": "$userinfo_secret" },
  "consoleClient": { "clientId": "warden-console", "clientSecret": "$console_secret" },
  "samlClient": { "entityId": "warden-console-saml", "descriptor": "http://127.0.0.1:$PORT/realms/$REALM/protocol/saml/descriptor" },
  "passwords": { $passwords }
}
EOF
  )
}

ready() {
  curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" >/dev/null \
    && curl -sf "http://127.0.0.1:$PORT/realms/$REALM/.well-known/openid-configuration" >/dev/null
}

# rss_mb PID: resident memory of PID and its children (kc.sh runs the JVM as its child).
rss_mb() {
  local pids
  pids=$(
    echo "$1"
    pgrep -P "$1" || true
  )
  # shellcheck disable=SC2086
  ps -o rss= -p $(echo $pids | tr ' ' ',') | awk '{s += $1} END {printf "%d", s / 1024}'
}

start() {
  install
  mkdir -p "$DIR"
  if pid_alive "$PIDFILE" && ready && [[ -f "$STATE" ]]; then
    log "already running on 127.0.0.1:$PORT (state in $STATE)"
    return 0
  fi
  stop_pidfile "$PIDFILE"
  port_open "$PORT" && die "port $PORT is taken by something else; set WARDEN_KEYCLOAK_PORT"
  port_open "$MANAGEMENT_PORT" && die "port $MANAGEMENT_PORT is taken by something else; set WARDEN_KEYCLOAK_MANAGEMENT_PORT"
  local home started=$SECONDS
  home=$(instance_home)
  rm -f "$STATE"
  mkdir -p "$home/data/tmp"
  write_realm "$home"
  log "starting Keycloak $VERSION on Java $(java_major "$JAVA_HOME_KC") (dev mode, 20-60 s)"
  # The admin's credentials go through the environment, never the command line (visible in ps);
  # Keycloak 26 reads KC_BOOTSTRAP_ADMIN_*, 25 KEYCLOAK_ADMIN*.
  # dev-mem: nothing survives a restart, so every start imports the realm afresh with new secrets.
  # HTTPS stays off (no certificate); the management interface carries the health checks.
  KC_BOOTSTRAP_ADMIN_USERNAME=warden-admin KC_BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    KEYCLOAK_ADMIN=warden-admin KEYCLOAK_ADMIN_PASSWORD=$ADMIN_PASSWORD \
    JAVA_HOME="$JAVA_HOME_KC" JAVA_OPTS_APPEND="-Djava.io.tmpdir=$home/data/tmp" \
    setsid "$home/bin/kc.sh" start-dev --db=dev-mem --import-realm \
    --http-host=127.0.0.1 --http-port="$PORT" \
    --http-management-port="$MANAGEMENT_PORT" --health-enabled=true \
    --hostname-strict=false --cache=local --log=console \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  mv "$STATE.tmp" "$STATE"
  if ! wait_for keycloak "${WARDEN_KEYCLOAK_START_TIMEOUT:-240}" ready; then
    tail -n 20 "$LOG" >&2
    stop_pidfile "$PIDFILE"
    die "did not start; see $LOG"
  fi
  log "ready on 127.0.0.1:$PORT (management $MANAGEMENT_PORT) in $((SECONDS - started)) s, $(rss_mb "$(cat "$PIDFILE")") MB resident; state in $STATE"
}

stop() { stop_pidfile "$PIDFILE"; }

# For scripts that drive a running instance: where its state.json is, and its URL.
state() { echo "$STATE"; }
url() { echo "http://127.0.0.1:$PORT"; }

status() {
  pid_alive "$PIDFILE" && ready && echo "keycloak: up (127.0.0.1:$PORT)" || {
    echo "keycloak: down"
    return 1
  }
}

"${1:-status}"
