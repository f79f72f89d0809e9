#!/usr/bin/env bash
# Prints, one a line, the Node flags a built app is deployed with: the non-comment words of
# dist/apps/<app>/node-flags (see apps/<app>/node-flags); nothing when it has none.
set -euo pipefail
file="$(dirname "${BASH_SOURCE[0]}")/../dist/apps/${1:?usage: tools/app-node-flags.sh APP}/node-flags"
[[ -f $file ]] || exit 0
grep -v '^#' "$file" | tr -s ' \t' '\n' | grep -v '^$' || true
