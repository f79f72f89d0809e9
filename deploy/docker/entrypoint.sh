#!/bin/sh
# Starts one Warden app: entrypoint.sh <auth-gateway|apiserver|fileserver> [verb args...]
# exec keeps node as the container's main process, so SIGTERM reaches it and it drains.
set -eu
app=${1:-}
case "$app" in
  auth-gateway | apiserver | fileserver) shift ;;
  *) echo "usage: <auth-gateway|apiserver|fileserver> [config dump|explain KEY|check | secrets generate | doctor ... | tenant ...]" >&2; exit 2 ;;
esac
# The image root is the parent of this script's bin/ (/opt/warden): the same script runs the layout the
# tests build without Docker.
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/dist/apps/$app
flags=""
[ -f "$dir/node-flags" ] && flags=$(grep -v '^#' "$dir/node-flags" || true)
# shellcheck disable=SC2086 # the flags file holds space-separated flags
exec node --enable-source-maps $flags "$dir/main.js" "$@"
