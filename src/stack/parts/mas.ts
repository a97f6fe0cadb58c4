import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { UserError } from "../../config/errors.ts";
import { StopWaiting, waitFor } from "../../matrix/timeouts.ts";
import { serverName } from "../generate.ts";
import type { Yamlish } from "../overlay.ts";
import type { StackPart } from "../parts.ts";
import { freePort } from "../ports.ts";
import { isOurProcess } from "../state.ts";
import { COMPAT_PATHS, finalMasConfig, masConfig, masInstallation, masSecrets, signingKeys, ulid, type MasInstallation } from "./mas-config.ts";

/**
 * The Matrix Authentication Service beside hs1 (`--with mas`): hs1's login delegated as in the messenger's current
 * chart. The binary and its share folder are the user's own build (MXACCEPT_MAS_BIN, MXACCEPT_MAS_SHARE; see
 * mas-config.ts); the project never builds MAS.
 *
 * - MAS: `mas-cli server` with a generated config (mas-config.ts): a public https listener (the stack's certificate)
 *   with discovery, human, oauth, compat, graphql and assets; an internal loopback listener with the admin API and
 *   health (and discovery and introspection for Synapse). Its database is a database of the stack's PostgreSQL
 *   (the postgres part contributes it). Keycloak, when it is part of the stack, is MAS's upstream provider (the
 *   keycloak part contributes it) instead of hs1's OIDC provider.
 * - hs1: `matrix_authentication_service` (Synapse ≥ 1.136), its own password login and registration off, no shared
 *   secret: the target file names MAS's client instead of hs1's admin token and shared secret.
 * - Routing: `/_matrix/client/*\/login|logout|refresh` on hs1's public client URL go to MAS (nginx of the
 *   production topology); the client well-known announces MAS (MSC2965). The simple topology has no proxy in front
 *   of hs1 (Synapse terminates TLS itself), so `--with mas` needs `--topology production`.
 */
export const masPart: StackPart = {
  name: "mas",
  description: "the Matrix Authentication Service (your own build: MXACCEPT_MAS_BIN, MXACCEPT_MAS_SHARE) as hs1's login",
  configuresHomeservers: true,
  check: ({ topology }) => void checkMas(topology),
  async prepare(ctx) {
    const installation = checkMas(ctx.topology);
    const dir = join(ctx.stateDir, "mas");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const taken = Object.values(ctx.layout.servers).map((s) => s.port);
    const ports: number[] = [];
    while (ports.length < 2) {
      const p = await freePort();
      if (!ports.includes(p) && !taken.includes(p)) ports.push(p);
    }
    const [publicPort, internalPort] = ports as [number, number];
    const publicBase = `https://localhost:${publicPort}/`;
    const internalUrl = `http://127.0.0.1:${internalPort}`;
    const secrets = masSecrets();
    const client = { id: ulid(), secret: secrets.client };
    // Production topology: hs1's main process listens on loopback in plain http behind nginx.
    const homeserverEndpoint = `http://127.0.0.1:${ctx.layout.servers.hs1.port}/`;
    const base = masConfig({
      installation, publicBase, publicPort, internalPort, tls: ctx.layout.tls,
      homeserver: serverName(ctx.layout, "hs1"), homeserverEndpoint, homeserverSecret: secrets.homeserver,
      client, encryption: secrets.encryption, keys: signingKeys(),
    });
    const configPath = join(dir, "config.yaml");
    const logFile = join(dir, "mas.log");
    let contributions: Yamlish[] = [];

    return {
      homeserver: {
        hs1: {
          matrix_authentication_service: { enabled: true, endpoint: `${internalUrl}/`, secret: secrets.homeserver },
          password_config: { enabled: false },
          enable_registration: false,
          // Shared-secret registration is Synapse's own login: gone with MAS.
          registration_shared_secret: null,
        },
      },
      delegatesLogin: ["hs1"],
      forParts: { keycloak: { masPublicBase: publicBase } },
      receive(settings) {
        contributions = settings;
      },
      ingress: {
        routes: [{ name: "mas", paths: COMPAT_PATHS, upstream: { host: "127.0.0.1", port: publicPort, tls: true }, clientAddress: true }],
        clientWellKnown: { "org.matrix.msc2965.authentication": { issuer: publicBase, account: `${publicBase}account/` } },
      },
      targetEnv: {
        MXACCEPT_MAS_URL: publicBase.replace(/\/$/, ""),
        MXACCEPT_MAS_ADMIN_URL: internalUrl,
        MXACCEPT_MAS_CLIENT_ID: client.id,
        MXACCEPT_MAS_CLIENT_SECRET: client.secret,
      },
      async start(track) {
        const config = finalMasConfig(base, contributions, ctx.overlay);
        if (!(config.database as Yamlish | undefined)?.uri) throw new UserError("MAS has no database: the production topology's PostgreSQL should give it one; run with --topology production.");
        writeFileSync(configPath, stringify(config), { mode: 0o600 });
        const check = spawnSync(installation.bin, ["config", "check", "-c", configPath], { cwd: dir, encoding: "utf8", timeout: 60_000 });
        if (check.status !== 0) {
          const why = `${check.stderr ?? ""}${check.stdout ?? ""}`.trim().split("\n").filter(Boolean).slice(-2).join(" | ") || check.error?.message || `exit ${check.status}`;
          throw new UserError(`MAS refused its configuration (${why}): see ${configPath}${ctx.overlay ? " and your --overlay-mas" : ""}.`);
        }
        const t0 = performance.now();
        const out = openSync(logFile, "a");
        const child = spawn(installation.bin, ["server", "-c", configPath], {
          cwd: dir,
          detached: true,
          stdio: ["ignore", out, out],
          // MAS's outbound https (the upstream provider) verifies against the system's CAs plus the local CA.
          env: { ...process.env, SSL_CERT_FILE: ctx.layout.tls.trustBundle ?? ctx.layout.tls.caCert, NO_COLOR: "1" },
        });
        closeSync(out);
        child.unref();
        if (!child.pid) throw new UserError(`could not start MAS (${installation.bin}): check MXACCEPT_MAS_BIN.`);
        track({ name: "mas", pid: child.pid, match: configPath, log: logFile });
        await waitFor("MAS to answer /health", async () => {
          if (!isOurProcess(child.pid!, configPath)) throw new StopWaiting(`MAS exited during start-up: ${logTail(logFile)} (log ${logFile}).`);
          const res = await fetch(`${internalUrl}/health`, { signal: AbortSignal.timeout(2000) });
          return res.status === 200 ? true : undefined;
        }, { timeoutMs: 120_000, intervalMs: 100 }).catch((e) => {
          throw new UserError(e instanceof StopWaiting ? e.message : `MAS did not become ready: ${(e as Error).message}; see ${logFile}.`);
        });
        ctx.log(`MAS ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (spawn to /health 200): public ${publicBase}, admin API ${internalUrl}`);
      },
    };
  },
};

/** The user's MAS build (MXACCEPT_MAS_BIN, MXACCEPT_MAS_SHARE), and hs1 behind nginx: one-line UserErrors otherwise. */
function checkMas(topology: "simple" | "production"): MasInstallation {
  const installation = masInstallation();
  if (topology !== "production") throw new UserError("--with mas routes hs1's /login to MAS through the production topology's nginx: add --topology production.");
  return installation;
}

/** The last lines of MAS's log for a one-line error (its errors are the lines with ERROR). */
function logTail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const errors = lines.filter((l) => /\bERROR\b|Error:/.test(l));
    return (errors.length ? errors.slice(-2) : lines.slice(-3)).join(" | ").slice(0, 600);
  } catch {
    return "(no log)";
  }
}
