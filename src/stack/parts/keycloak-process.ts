import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../config/errors.ts";
import { waitFor, StopWaiting } from "../../matrix/timeouts.ts";
import { isOurProcess } from "../state.ts";

/** Starting and stopping one Keycloak server (`kc.sh start --optimized`) on a loopback port with its own H2 database. */

export interface KeycloakProcess {
  pid: number;
  /** A piece of its command line (the database path): tells it from a recycled pid. */
  match: string;
  base: string;
  log: string;
}

export function logTail(file: string, lines = 3): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join(" | ").slice(0, 600);
  } catch {
    return "(no log)";
  }
}

/**
 * Spawns Keycloak detached (own process group) in `dir`, database `<dir>/h2/keycloakdb`. With `tls` it serves
 * https only (TLS 1.2 and 1.3, Keycloak's default), as an IdP in production does; without, plain http (internal use).
 */
export function spawnKeycloak(opts: { home: string; javaHome?: string; dir: string; port: number; env?: Record<string, string>; tls?: { cert: string; key: string } }): KeycloakProcess {
  const base = `${opts.tls ? "https" : "http"}://localhost:${opts.port}`;
  const listener = opts.tls
    ? ["--http-enabled=false", `--https-port=${opts.port}`, `--https-certificate-file=${opts.tls.cert}`, `--https-certificate-key-file=${opts.tls.key}`]
    : ["--http-enabled=true", `--http-port=${opts.port}`];
  const log = join(opts.dir, "keycloak.log");
  const dbPath = join(opts.dir, "h2", "keycloakdb");
  const out = openSync(log, "a");
  const child = spawn(join(opts.home, "bin", "kc.sh"), [
    "start", "--optimized",
    ...listener, "--http-host=127.0.0.1",
    `--hostname=${base}`,
    `--db-url=jdbc:h2:file:${dbPath};NON_KEYWORDS=VALUE`,
  ], {
    cwd: opts.dir,
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      ...(opts.javaHome ? { JAVA_HOME: opts.javaHome } : {}),
      // Transaction logs beside the database, not in the shared distribution folder.
      JAVA_OPTS_APPEND: `-Dquarkus.transaction-manager.object-store.directory=${join(opts.dir, "transaction-logs")}`,
      ...opts.env,
    },
  });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new UserError("could not start Keycloak: run 'npm run setup' and retry.");
  return { pid: child.pid, match: dbPath, base, log };
}

/** Waits until Keycloak serves its master realm; a Keycloak that exits meanwhile ends the wait with its log. */
export async function waitKeycloakReady(kc: KeycloakProcess, timeoutMs = 300_000): Promise<void> {
  await waitFor("Keycloak to serve its master realm", async () => {
    if (!isOurProcess(kc.pid, kc.match)) throw new StopWaiting(`Keycloak exited during start-up: ${logTail(kc.log)}`);
    const res = await fetch(`${kc.base}/realms/master/.well-known/openid-configuration`, { signal: AbortSignal.timeout(3000) });
    return res.status === 200 ? true : undefined;
  }, { timeoutMs, intervalMs: 500 }).catch((e) => {
    throw new UserError(`Keycloak did not become ready: ${(e as Error).message}; see ${kc.log}.`);
  });
}

/** Stops a Keycloak this process started (SIGTERM to its group, SIGKILL after the deadline). */
export async function stopKeycloak(kc: KeycloakProcess): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-kc.pid, sig);
    } catch {
      /* gone */
    }
  };
  signal("SIGTERM");
  try {
    await waitFor("Keycloak to exit", async () => (isOurProcess(kc.pid, kc.match) ? undefined : true), { timeoutMs: 60_000, intervalMs: 200 });
  } catch {
    signal("SIGKILL");
  }
}
