# Sourced by the scripts that need a Python venv of exact pinned packages (the ClearML SDK suite, the
# fileserver bench's ClearML stand-in). pinned_venv VENV "REQUIREMENTS" creates or reuses VENV:
# reused once the marker written after a successful install names exactly REQUIREMENTS; a changed
# list installs what is missing into the same venv; a venv without any marker is a broken earlier
# attempt and starts afresh. Progress goes to stderr.

pinned_venv() {
  local venv=$1 wanted=$2 marker="$1/.warden-installed"
  [[ -f "$marker" && $(cat "$marker") == "$wanted" ]] && return 0
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    # A fresh Debian/Ubuntu machine: install Python's venv support the way the backing services are installed.
    printf '[venv] installing python3-venv from Debian packages\n' >&2
    (source "$(dirname "${BASH_SOURCE[0]}")/services/common.sh" && apt_install python3 python3-venv)
    python3 -c 'import venv, ensurepip' 2>/dev/null ||
      { printf '[venv] ERROR: python3 has no venv/ensurepip module (Debian/Ubuntu: apt-get install python3-venv)\n' >&2; return 1; }
  fi
  mkdir -p "$(dirname "$venv")"
  [[ -f "$marker" ]] || { rm -rf "$venv"; python3 -m venv "$venv"; }
  printf '[venv] installing %s into %s\n' "$wanted" "$venv" >&2
  # shellcheck disable=SC2086 # a list of pinned requirement specifiers
  "$venv/bin/pip" install --quiet --disable-pip-version-check $wanted
  printf '%s' "$wanted" >"$marker"
}
