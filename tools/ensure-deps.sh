#!/usr/bin/env bash
# Installs the locked npm packages when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
required=$(node -p "require('./package.json').engines.node")
node -e "
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) { console.error('Node ${required} is required, found ' + process.version); process.exit(1); }
"
# A worktree whose node_modules links to another checkout shares that install: `npm ci` here would
# empty the other checkout's packages (every worktree linked to it) and reinstall into this one only.
if [[ -L node_modules ]]; then
  exit 0
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
