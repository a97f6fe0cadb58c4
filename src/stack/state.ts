import { existsSync, readFileSync, writeFileSync, rmSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Role } from "./generate.ts";
import type { PartProcess } from "./parts.ts";

/** What `stack up` records in the state folder, so `down`, `status` and `run` find the running instance. */
export interface ServerState {
  role: Role;
  port: number;
  pid: number;
  dir: string;
  config: string;
  serverName: string;
  baseUrl: string;
  /** CA bundle for the server's own outbound TLS (SSL_CERT_FILE): the system's CAs and the local CA. */
  trustBundle?: string;
  /** The implementation (default Synapse); Dendrite also keeps its certificate and its loopback http port here. */
  software?: "synapse" | "dendrite";
  tls?: { cert: string; key: string };
  httpPort?: number;
  /** Where the admin API answers when not at baseUrl (hs1 of the production topology: nginx's admin port). */
  adminUrl?: string;
  /** Synapse worker processes beside the main process (production topology), started and stopped with it. */
  workers?: WorkerState[];
}

export interface WorkerState {
  name: string;
  app: string;
  pid: number;
  /** The worker's own config file (also what tells its pid from a recycled one). */
  config: string;
  /** Its plain HTTP listener on 127.0.0.1 (behind nginx). */
  port: number;
}

export interface StackState {
  version: 1;
  profile: string;
  timeScale: number;
  sizeScale: number;
  /** Whether hs1 and hs2 federate with each other (off: two tenants that allow only themselves). */
  crossTenant?: "off" | "on";
  /** The group size limit the instance enforces (profiles with one). */
  groupSizeLimit?: number;
  startedAt: string;
  overlays: Partial<Record<Role, string>>;
  /** Overlays of parts' configs (`--overlay-mas`), by part. */
  partOverlays?: Record<string, string>;
  servers: ServerState[];
  /** Processes of the optional parts (--with), by part. */
  parts?: (PartProcess & { part: string })[];
  caCert: string;
  targetFile: string;
  /** Which launcher started it: native processes (default) or the compose stack (src/stack/containers.ts). */
  launcher?: "native" | "containers";
  /** simple: three single Synapse processes; production: hs1 with workers, Redis and nginx (src/stack/topology/). */
  topology?: "simple" | "production";
  compose?: { dir: string; project: string };
}

export function stateFile(dir: string): string {
  return join(dir, "stack.json");
}

export function readState(dir: string): StackState | undefined {
  const f = stateFile(dir);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as StackState;
  } catch {
    return undefined;
  }
}

export function writeState(dir: string, state: StackState): void {
  const f = stateFile(dir);
  writeFileSync(`${f}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(`${f}.tmp`, f);
}

export function clearState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/** True when `pid` is alive and its command line contains `config` (a recycled pid is not ours). */
export function isOurProcess(pid: number, config: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes(config);
  } catch {
    return false;
  }
}
