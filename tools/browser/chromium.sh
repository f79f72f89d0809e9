#!/usr/bin/env bash
# Installs the browser the browser tier drives (Debian's `chromium` package; no browser download of
# its own, so `npx playwright install` is never needed) and prints its executable's path.
#   tools/browser/chromium.sh            (tools/browser/suite.sh runs it before the browser tests)
# Idempotent: a chromium that already starts headless is used as it is; WARDEN_CHROMIUM=/path picks
# another build (a machine without apt-get). Installing needs root or sudo; the package then stays
# installed, so later runs cost one start of the browser (well under a second).
set -euo pipefail
SERVICE_NAME=chromium
# shellcheck source=tools/services/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../services/common.sh"

# The real binary, not Debian's wrapper script, so that only the harness's flags apply.
executable() {
  if [[ -n ${WARDEN_CHROMIUM:-} ]]; then
    echo "$WARDEN_CHROMIUM"
  elif [[ -x /usr/lib/chromium/chromium ]]; then
    echo /usr/lib/chromium/chromium
  else
    command -v chromium || true
  fi
}

# Starts it once, headless, on a throw-away profile: a binary whose libraries are missing fails here.
works() {
  local exe=$1 profile rc=0
  [[ -n $exe && -x $exe ]] || return 1
  profile=$(mktemp -d -t warden-chromium-check.XXXXXX)
  timeout 60 "$exe" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$profile" --dump-dom 'data:text/html,<p>warden-ok</p>' 2>/dev/null | grep -q warden-ok || rc=1
  rm -rf "$profile"
  return "$rc"
}

exe=$(executable)
if ! works "$exe"; then
  [[ -z ${WARDEN_CHROMIUM:-} ]] || die "WARDEN_CHROMIUM=$WARDEN_CHROMIUM does not start headless"
  if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
    die "Chromium is not installed and this user cannot install Debian packages: run 'sudo apt-get install chromium' once, or set WARDEN_CHROMIUM to a Chromium executable"
  fi
  log "installing Debian's chromium package"
  apt_install chromium
  exe=$(executable)
  works "$exe" || die "the chromium package is installed but '$exe' does not start headless (try: $exe --headless --no-sandbox --dump-dom about:blank)"
fi
log "$("$exe" --version 2>/dev/null) at $exe"
echo "$exe"
