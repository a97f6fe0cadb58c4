#!/usr/bin/env bash
# Runs a command with the project's set-up done and its Node (>= 22) and node_modules/.bin first on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
for d in "$ROOT"/.tools/node-v*/bin; do [ -x "$d/node" ] && NODE_BIN="$d"; done
if [ -n "${NODE_BIN:-}" ] && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]; then
  export PATH="$NODE_BIN:$PATH"
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
exec "$@"
