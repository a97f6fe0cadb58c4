import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import type { Profile } from "../config/profile.ts";
import { cacheDir, ensure, missingCommands, runLogged, type Installable, type Log } from "./install.ts";
import { deepMerge, type Yamlish } from "./overlay.ts";
import { serverName, type Role, type StackLayout } from "./generate.ts";

/**
 * Dendrite, a second Matrix homeserver implementation, as hs1 of the reference instance (`stack up --server
 * dendrite`): the client-level suites are judged on a server that is not Synapse. Built from the Go module proxy
 * on first use (`go install github.com/matrix-org/dendrite/cmd/dendrite@v0.13.8`) into the shared cache, with its
 * own GOPATH and build cache there, so a second clone or a second start reuses the binary.
 */
export const DENDRITE_VERSION = "0.13.8";

export function dendriteHome(): string {
  return join(cacheDir(), `dendrite-${DENDRITE_VERSION}`);
}

export function dendriteBinary(): string {
  return join(dendriteHome(), "bin", "dendrite");
}

/** The Go toolchain: MXACCEPT_GO, else /usr/local/go/bin/go, else `go` on PATH. */
function goCommand(): string | undefined {
  if (process.env.MXACCEPT_GO) return process.env.MXACCEPT_GO;
  if (existsSync("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  return missingCommands(["go"]).length ? undefined : "go";
}

export const dendriteInstallable: Installable = {
  name: `Dendrite ${DENDRITE_VERSION}`,
  expect: "several minutes: a Go build from the module proxy",
  present: () => existsSync(dendriteBinary()),
  async install(progress) {
    const go = goCommand();
    if (!go) throw new UserError(`Dendrite ${DENDRITE_VERSION} is built with Go, which is missing: install Go >= 1.21 (https://go.dev/dl/) or set MXACCEPT_GO, and retry.`);
    if (missingCommands(["gcc"]).length) throw new UserError(`Dendrite ${DENDRITE_VERSION} needs a C compiler for its SQLite driver (cgo): install gcc and retry.`);
    const home = dendriteHome();
    progress("downloading modules and compiling");
    await runLogged(go, ["install", `github.com/matrix-org/dendrite/cmd/dendrite@v${DENDRITE_VERSION}`], {
      what: `building Dendrite ${DENDRITE_VERSION} (go install)`,
      logFile: join(cacheDir(), "logs", `dendrite-${DENDRITE_VERSION}.log`),
      env: {
        ...process.env,
        GOPATH: join(home, "gopath"),
        GOMODCACHE: join(home, "gopath", "pkg", "mod"),
        GOCACHE: join(home, "gocache"),
        GOBIN: join(home, "bin"),
        GOFLAGS: "-mod=mod",
        GOTOOLCHAIN: "local",
        CGO_ENABLED: "1",
      },
    });
  },
};

export async function ensureDendrite(log?: Log): Promise<{ installedMs?: number }> {
  return ensure(dendriteInstallable, log);
}

/** An ed25519 signing key in Dendrite's PEM form (the 32-byte seed under a Key-ID header). */
export function dendriteSigningKey(): string {
  return `-----BEGIN MATRIX PRIVATE KEY-----\nKey-ID: ed25519:mxa${randomBytes(3).toString("hex")}\n\n${randomBytes(32).toString("base64")}\n-----END MATRIX PRIVATE KEY-----\n`;
}

/**
 * dendrite.yaml for `role`, as close to the contract as Dendrite's settings go: closed registration (shared
 * secret only), no guests, rate limiting on, the profile's upload limit, no key servers or identity servers on the
 * internet, SQLite per component in the server's folder. Dendrite 0.13.8 has no setting for a federation
 * allowlist, encryption by default, message or media retention or storage quotas: those requirements are judged
 * on what it does without them.
 */
export function dendriteConfig(profile: Profile, layout: StackLayout, role: Role, registrationSecret: string, overlays: (Yamlish | undefined)[] = []): Yamlish {
  const dir = layout.servers[role].dir;
  const db = (name: string) => ({ connection_string: `file:${join(dir, `${name}.db`)}` });
  // The profile's max_upload_size ("100M") in bytes, as Synapse reads it (K/M/G are powers of 1024).
  const m = /^(\d+)([KMG]?)$/.exec(profile.contract.maxUploadSize)!;
  const maxUpload = Math.min(Number(m[1]) * 1024 ** " KMG".indexOf(m[2] || " "), 2 ** 31 - 1);
  const config: Yamlish = {
    version: 2,
    global: {
      server_name: serverName(layout, role),
      private_key: join(dir, "matrix_key.pem"),
      key_validity_period: "168h0m0s",
      cache: { max_size_estimated: "256mb", max_age: "1h" },
      trusted_third_party_id_servers: [],
      disable_federation: false,
      presence: { enable_inbound: false, enable_outbound: false },
      report_stats: { enabled: false },
      server_notices: { enabled: false, local_part: "_server", display_name: "Server Alerts", avatar_url: "", room_name: "Server Alerts" },
      jetstream: { addresses: [], storage_path: join(dir, "jetstream"), topic_prefix: "Dendrite" },
      metrics: { enabled: false },
      dns_cache: { enabled: false },
    },
    app_service_api: { database: db("appservice"), config_files: [] },
    client_api: {
      registration_disabled: true,
      guests_disabled: true,
      registration_shared_secret: registrationSecret,
      enable_registration_captcha: false,
      rate_limiting: { enabled: true, threshold: 20, cooloff_ms: 500, exempt_user_ids: [] },
    },
    federation_api: {
      database: db("federationapi"),
      send_max_retries: 16,
      disable_tls_validation: false,
      key_perspectives: [],
      prefer_direct_fetch: true,
    },
    key_server: { database: db("keyserver") },
    media_api: {
      database: db("mediaapi"),
      base_path: join(dir, "media"),
      max_file_size_bytes: maxUpload,
      dynamic_thumbnails: false,
      max_thumbnail_generators: 4,
      thumbnail_sizes: [{ width: 32, height: 32, method: "crop" }, { width: 96, height: 96, method: "crop" }, { width: 640, height: 480, method: "scale" }],
    },
    mscs: { database: db("mscs"), mscs: [] },
    relay_api: { database: db("relayapi") },
    room_server: { database: db("roomserver") },
    sync_api: { database: db("syncapi"), search: { enabled: false, index_path: join(dir, "searchindex"), language: "en" } },
    user_api: { account_database: db("userapi"), bcrypt_cost: 10, auto_join_rooms: [] },
    tracing: { enabled: false },
    logging: [{ type: "file", level: "info", params: { path: join(dir, "logs") } }],
  };
  return overlays.reduce<Yamlish>((acc, o) => (o ? deepMerge(acc, o) : acc), config);
}

/** Starts Dendrite for a server of the stack: https on 127.0.0.1:<port> with the stack's certificate, plain http on a second loopback port. */
export function startDendrite(server: { role: Role; dir: string; config: string; port: number; httpPort?: number; trustBundle?: string }, tls: { cert: string; key: string }): number {
  if (!existsSync(dendriteBinary())) throw new UserError(`Dendrite ${DENDRITE_VERSION} is not built: run 'mxaccept stack up --server dendrite' (it builds it) and retry.`);
  const out = openSync(join(server.dir, "stdout.log"), "a");
  const child = spawn(dendriteBinary(), [
    "-config", server.config,
    "-https-bind-address", `127.0.0.1:${server.port}`,
    "-tls-cert", tls.cert,
    "-tls-key", tls.key,
    // Dendrite always serves plain http too; it stays on loopback on a port of its own.
    "-http-bind-address", `127.0.0.1:${server.httpPort ?? 0}`,
  ], {
    cwd: server.dir,
    detached: true,
    stdio: ["ignore", out, out],
    // Outbound federation TLS verifies against the system store plus the local CA.
    env: { ...process.env, ...(server.trustBundle ? { SSL_CERT_FILE: server.trustBundle } : {}) },
  });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new UserError(`could not start Dendrite for ${server.role}: see ${server.dir}/stdout.log.`);
  return child.pid;
}
