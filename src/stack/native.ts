import { spawn, spawnSync } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { UserError } from "../config/errors.ts";
import { loadProfile } from "../config/profile.ts";
import { projectRoot, pythonPath } from "../config/paths.ts";
import { trustCa } from "../config/trust.ts";
import { registerWithSharedSecret } from "../matrix/registration.ts";
import { waitFor, backoff, StopWaiting } from "../matrix/timeouts.ts";
import { ROLES, type Role, type StackLayout, serverConfig, signingKey, logConfig, serverName, baseUrl } from "./generate.ts";
import { isMapping, type Yamlish } from "./overlay.ts";
import { ensureTls } from "./tls.ts";
import { freePort } from "./ports.ts";
import { type StackState, type ServerState, type WorkerState, readState, writeState, clearState, isOurProcess } from "./state.ts";
import { prepareProduction, startProductionServices, workerConfig, writeNginxConf, type ProductionPlan } from "./topology/production.ts";
import type { PartPlan, PartProcess } from "./parts.ts";
import { PARTS, PLANNED_PARTS } from "./parts/index.ts";
import { dendriteConfig, dendriteSigningKey, ensureDendrite, startDendrite } from "./dendrite.ts";
import { ensure } from "./install.ts";
import { openssl, synapse } from "./installables.ts";
import { targetFileText } from "./target-file.ts";
import type { StackOptions } from "./options.ts";
import { clearPartStatus, writePartStatus, type PartStatuses } from "./part-status.ts";

/** The native launcher of the embedded reference instance: Synapse processes from the project venv. */


export type { StackOptions };

/** A Synapse size ("100M", "2G", "512K", "1000") in bytes. */
function maxUploadBytes(size: string): number {
  const m = /^(\d+)([KMG]?)$/.exec(size);
  if (!m) return 100 * 1024 ** 2;
  return Number(m[1]) * ({ "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]!]!;
}

function randomSecret(): string {
  return randomBytes(24).toString("base64url");
}



function readOverlay(path: string, flag: string): Yamlish {
  const full = resolve(path);
  if (!existsSync(full)) throw new UserError(`${flag} ${path}: file not found.`);
  let data: unknown;
  try {
    data = parse(readFileSync(full, "utf8"));
  } catch (e) {
    throw new UserError(`${flag} ${path} is not valid YAML (${(e as Error).message.split("\n")[0]}): fix the file.`);
  }
  if (!isMapping(data)) throw new UserError(`${flag} ${path} must be a YAML mapping of ${flag === "--overlay-mas" ? "MAS config" : "homeserver.yaml"} keys.`);
  return data;
}

/** The end of a log for a one-line error: the last Python exception line when there is a traceback, else the last lines. */
function tail(file: string, lines = 5): string {
  try {
    const all = readFileSync(file, "utf8").trim().split("\n");
    if (all.some((l) => l.startsWith("Traceback "))) {
      const exception = all.findLast((l) => /^[A-Za-z_][\w.]*(Error|Exception|Exit)\b/.test(l));
      if (exception) return exception.replace(/ with the given listener config: .*/, "");
    }
    return all.slice(-lines).join(" | ");
  } catch {
    return "(no log)";
  }
}

/** Live servers of a recorded stack, or undefined when nothing of it runs. */
export function runningStack(stateDir: string): StackState | undefined {
  const state = readState(stateDir);
  if (!state) return undefined;
  if (state.launcher === "containers") return state; // the compose stack runs until `stack down`
  const alive = state.servers.some((s) => isOurProcess(s.pid, s.config) || (s.workers ?? []).some((w) => isOurProcess(w.pid, w.config))) || (state.parts ?? []).some((p) => isOurProcess(p.pid, p.match));
  return alive ? state : undefined;
}

export function startSynapse(server: ServerState, worker?: WorkerState): number {
  const out = openSync(join(server.dir, worker ? `${worker.name}.stdout.log` : "stdout.log"), "a");
  const args = worker ? ["-m", worker.app, "-c", server.config, "-c", worker.config] : ["-m", "synapse.app.homeserver", "-c", server.config];
  const child = spawn(pythonPath(), args, {
    cwd: server.dir,
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      PYTHONUNBUFFERED: "1",
      SYNAPSE_ASYNC_IO_REACTOR: "0",
      PYTHONPATH: join(projectRoot(), "stack", "modules"),
      // Outbound TLS other than federation (e.g. the OIDC provider) verifies against the system store plus the local CA.
      ...(server.trustBundle ? { SSL_CERT_FILE: server.trustBundle } : {}),
    },
  });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new UserError(`could not start Synapse for ${server.role}${worker ? ` (${worker.name})` : ""}: run 'npm run setup' and retry.`);
  return child.pid;
}

/** Waits until a worker answers /health on its own listener. */
async function waitWorkerHealthy(server: ServerState, w: WorkerState): Promise<void> {
  await waitFor(`${server.role} worker ${w.name} to answer /health`, async () => {
    if (!isOurProcess(w.pid, w.config)) throw new StopWaiting(`${server.role} worker ${w.name} exited during start-up: ${tail(join(server.dir, `${w.name}.stdout.log`))} (logs in ${server.dir}).`);
    const res = await fetch(`http://127.0.0.1:${w.port}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? true : undefined;
  }, { timeoutMs: 90_000, intervalMs: 200 }).catch((e) => {
    if (e instanceof StopWaiting) throw new UserError(e.message);
    throw new UserError(`${server.role} worker ${w.name} did not become ready: ${(e as Error).message}; see ${server.dir}/${w.name}.log.`);
  });
}

/**
 * Starts a server's main process, and once it answers (it prepares the database schema workers need), its workers;
 * resolves when every process answers /health.
 */
export async function startSynapseGroup(server: ServerState, onPid: () => void = () => {}): Promise<void> {
  // hs1 of `--server dendrite` is one Dendrite process (no workers).
  server.pid = server.software === "dendrite" ? startDendrite(server, server.tls!) : startSynapse(server);
  onPid();
  await waitHealthy(server);
  for (const w of server.workers ?? []) w.pid = startSynapse(server, w);
  onPid();
  await Promise.all((server.workers ?? []).map((w) => waitWorkerHealthy(server, w)));
}

/** Stops a server's workers and its main process. */
export async function stopSynapseGroup(server: ServerState): Promise<void> {
  await Promise.all([...(server.workers ?? []).map((w) => stopProcess(`${server.role} ${w.name}`, w.pid, w.config)), stopProcess(server.role, server.pid, server.config)]);
}

export async function waitHealthy(server: ServerState): Promise<void> {
  await waitFor(`${server.role} (${server.baseUrl}) to answer /health`, async () => {
    if (!isOurProcess(server.pid, server.config)) {
      throw new StopWaiting(`${server.role} exited during start-up: ${tail(join(server.dir, "stdout.log"))} (logs in ${server.dir}).`);
    }
    const res = await fetch(`${server.baseUrl}/${server.software === "dendrite" ? "_matrix/client/versions" : "health"}`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? true : undefined;
  }, { timeoutMs: 90_000, intervalMs: 200 }).catch((e) => {
    if (e instanceof StopWaiting) throw new UserError(e.message);
    throw new UserError(`${server.role} did not become ready: ${(e as Error).message}; see ${server.dir}/homeserver.log.`);
  });
}

/** Number of Synapse background updates still to run, read from the server's database (SQLite, or PostgreSQL with --with postgres). */
function pendingBackgroundUpdates(server: ServerState): number {
  const database = (parse(readFileSync(server.config, "utf8")) as { database?: { name?: string; args?: Record<string, string | number> } }).database;
  if (database?.name === "psycopg2") {
    const a = database.args ?? {};
    const r = spawnSync("psql", ["-h", String(a.host), "-p", String(a.port), "-U", String(a.user), "-d", String(a.database), "-tAc", "SELECT count(*) FROM background_updates"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr.trim() || "psql failed");
    return Number(r.stdout.trim());
  }
  const db = new DatabaseSync(join(server.dir, "homeserver.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT count(*) AS n FROM background_updates").get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** A fresh database migrates in the background; the instance is ready when none of that is left. */
async function waitBackgroundUpdates(server: ServerState): Promise<void> {
  if (server.software === "dendrite") return; // Dendrite migrates its databases before it answers
  await waitFor(`${server.role} to finish its database background updates`, async () => {
    if (!isOurProcess(server.pid, server.config)) throw new StopWaiting(`${server.role} exited: see ${server.dir}/homeserver.log`);
    return pendingBackgroundUpdates(server) === 0 ? true : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200 }).catch((e) => {
    throw new UserError(`${server.role} did not finish its database background updates: ${(e as Error).message}.`);
  });
}

/** Starts hs1, hs2 and hs3, waits until they answer, creates their admins and writes the target file. */
export async function stackUp(opts: StackOptions): Promise<StackState> {
  const log = opts.log ?? (() => {});
  const topology = opts.topology ?? "simple";
  if (opts.nginxOverlay && topology !== "production") throw new UserError("--overlay-nginx configures the nginx of the production topology: add --topology production or drop --overlay-nginx.");
  // Synapse workers need a database every process shares: the production topology always runs PostgreSQL.
  const withParts = [...new Set([...(topology === "production" ? ["postgres"] : []), ...(opts.with ?? [])])];
  const unknown = withParts.find((w) => !(w in PARTS));
  if (unknown) {
    const planned = PLANNED_PARTS[unknown];
    const known = Object.keys(PARTS).join(", ") || "none yet";
    throw new UserError(planned ? `--with ${unknown}: ${planned} is not part of the reference instance yet; leave it out.` : `--with ${unknown}: unknown part; choose from ${known}.`);
  }
  for (const name of withParts) PARTS[name]!.check?.({ topology });
  const profile = loadProfile(opts.profile);
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale >= 1)) throw new UserError(`--time-scale ${timeScale}: must be a number >= 1.`);
  const sizeScale = opts.sizeScale ?? 1;
  if (!(sizeScale >= 1)) throw new UserError(`--size-scale ${sizeScale}: must be a number >= 1.`);
  const groupSizeLimit = opts.groupSizeLimit;
  if (groupSizeLimit !== undefined && !profile.contract.groupSizeLimit) throw new UserError(`--group-limit: profile ${profile.id} has no group size limit; drop --group-limit.`);
  const overlays = Object.fromEntries(Object.entries(opts.overlays ?? {}).map(([role, path]) => [role, readOverlay(path!, role === "hs1" ? "--overlay" : `--overlay-${role}`)]));
  const partOverlays = Object.fromEntries(Object.entries(opts.partOverlays ?? {}).map(([name, path]) => {
    if (!withParts.includes(name)) throw new UserError(`--overlay-${name} configures the ${name} part: add --with ${name} or drop --overlay-${name}.`);
    return [name, readOverlay(path!, `--overlay-${name}`)];
  }));
  if (runningStack(opts.stateDir)) throw new UserError(`a reference instance is already running in ${opts.stateDir}: run 'mxaccept stack down' first.`);
  if (opts.server === "dendrite") {
    if (withParts.length) throw new UserError(`--with ${withParts.join(",")}: the parts are wired to Synapse; with --server dendrite leave --with out.`);
    await ensureDendrite(log);
  }
  const containers = await import("./containers.ts");
  // Dendrite runs with the native launcher (the compose stack describes Synapse only).
  if (topology === "simple" && opts.server !== "dendrite" && await containers.chooseLauncher() === "containers") return containers.containerStackUp(opts, profile, overlays);
  // Set-up by need: the homeservers' venv and openssl (the local CA), installed on first use and announced.
  const say = opts.log ?? ((l: string) => console.error(l));
  await ensure(openssl, say);
  if (!process.env.MXACCEPT_PYTHON) await ensure(synapse, say);
  if (!existsSync(pythonPath())) throw new UserError(`the Python of the Synapse venv (${pythonPath()}) is missing: run 'npm run setup' and retry.`);

  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const tls = ensureTls(join(opts.stateDir, "tls"));
  trustCa(tls.caCert);
  const secrets = Object.fromEntries(ROLES.map((r) => [r, { registration: randomSecret(), macaroon: randomSecret(), form: randomSecret() }]));
  const ports: number[] = [];
  for (const _ of ROLES) {
    let p = await freePort();
    while (ports.includes(p)) p = await freePort();
    ports.push(p);
  }
  const layout: StackLayout = {
    host: "localhost",
    timeScale,
    sizeScale,
    groupSizeLimit,
    tls: { caCert: tls.caCert, cert: tls.cert, key: tls.key, trustBundle: tls.trustBundle },
    servers: Object.fromEntries(ROLES.map((r, i) => [r, { port: ports[i]!, dir: join(opts.stateDir, r), secrets: secrets[r]! }])) as StackLayout["servers"],
  };

  for (const role of ROLES) rmSync(layout.servers[role].dir, { recursive: true, force: true });
  let production: ProductionPlan | undefined;
  if (topology === "production") {
    production = await prepareProduction({ stateDir: opts.stateDir, layout, python: pythonPath(), maxUploadBytes: maxUploadBytes(profile.contract.maxUploadSize), nginxOverlay: opts.nginxOverlay, log });
  }
  const plans: { name: string; plan: PartPlan; before: boolean }[] = [];
  const partContext = { stateDir: opts.stateDir, profile, layout, with: withParts, topology, log };
  // Background parts (opts.later) start after the homeservers; one that leaves the homeservers' config alone is
  // also installed then (its prepare only chooses ports and writes config, so its target keys are known now).
  const later = withParts.filter((n) => opts.later?.includes(n) && !PARTS[n]!.startsBeforeHomeservers);
  for (const name of withParts) {
    const part = PARTS[name]!;
    if (!(later.includes(name) && !part.configuresHomeservers)) await part.install?.(log);
    const plan = await part.prepare({ ...partContext, ...(partOverlays[name] ? { overlay: partOverlays[name] } : {}) });
    plans.push({ name, plan, before: part.startsBeforeHomeservers === true });
  }
  // What parts have for each other (PostgreSQL's database and Keycloak's provider for MAS, MAS's URL for Keycloak),
  // and for hs1's public entry (MAS's routes), before anything starts.
  for (const { name, plan } of plans) plan.receive?.(plans.flatMap((p) => (p.plan.forParts?.[name] ? [p.plan.forParts[name]!] : [])));
  const ingress = plans.flatMap((p) => (p.plan.ingress ? [p.plan.ingress] : []));
  if (production && ingress.length) writeNginxConf(production, ingress);
  const delegated = new Set(plans.flatMap((p) => p.plan.delegatesLogin ?? []));

  const dendriteHttpPort = opts.server === "dendrite" ? await freePort() : undefined;
  const servers: ServerState[] = ROLES.map((role) => {
    const dir = layout.servers[role].dir;
    mkdirSync(join(dir, "media"), { recursive: true, mode: 0o700 });
    if (role === "hs1" && opts.server === "dendrite") {
      const configPath = join(dir, "dendrite.yaml");
      writeFileSync(configPath, stringify(dendriteConfig(profile, layout, role, layout.servers[role].secrets.registration, [overlays[role]])), { mode: 0o600 });
      writeFileSync(join(dir, "matrix_key.pem"), dendriteSigningKey(), { mode: 0o600 });
      return { role, port: layout.servers[role].port, pid: 0, dir, config: configPath, serverName: serverName(layout, role), baseUrl: baseUrl(layout, role), trustBundle: tls.trustBundle, software: "dendrite", tls: { cert: tls.cert, key: tls.key }, httpPort: dendriteHttpPort };
    }
    const topologyExtra = role === "hs1" ? production?.homeserver : undefined;
    const config = serverConfig(profile, layout, role, [topologyExtra, ...plans.map(({ plan }) => plan.homeserver?.[role]), overlays[role]]);
    const configPath = join(dir, "homeserver.yaml");
    writeFileSync(configPath, stringify(config), { mode: 0o600 });
    writeFileSync(join(dir, "log.yaml"), stringify(logConfig(dir)));
    writeFileSync(join(dir, "signing.key"), signingKey(), { mode: 0o600 });
    const workers: WorkerState[] = [];
    for (const w of role === "hs1" ? production?.workers ?? [] : []) {
      const logYaml = logConfig(dir) as { handlers: { file: { filename: string } } };
      logYaml.handlers.file.filename = join(dir, `${w.name}.log`);
      writeFileSync(join(dir, `log-${w.name}.yaml`), stringify(logYaml));
      writeFileSync(w.config, stringify(workerConfig(w, join(dir, `log-${w.name}.yaml`))), { mode: 0o600 });
      workers.push({ name: w.name, app: w.app, pid: 0, config: w.config, port: w.port });
    }
    return {
      role, port: layout.servers[role].port, pid: 0, dir, config: configPath, serverName: serverName(layout, role), baseUrl: baseUrl(layout, role), trustBundle: tls.trustBundle,
      ...(role === "hs1" && production ? { adminUrl: production.adminUrl, workers } : {}),
    };
  });

  const state: StackState = {
    version: 1,
    profile: profile.id,
    timeScale,
    sizeScale,
    crossTenant: profile.reference.crossTenant,
    ...(profile.contract.groupSizeLimit ? { groupSizeLimit: groupSizeLimit ?? profile.contract.groupSizeLimit } : {}),
    startedAt: new Date().toISOString(),
    topology,
    overlays: Object.fromEntries(Object.entries(opts.overlays ?? {}).map(([r, p]) => [r, resolve(p!)])),
    ...(opts.partOverlays ? { partOverlays: Object.fromEntries(Object.entries(opts.partOverlays).map(([n, p]) => [n, resolve(p)])) } : {}),
    servers,
    parts: [],
    caCert: tls.caCert,
    targetFile: join(opts.stateDir, "target.env"),
  };
  const track = (part: string) => (p: PartProcess) => {
    state.parts!.push({ part, ...p });
    writeState(opts.stateDir, state);
    log(`started ${part}: ${p.name} pid ${p.pid}`);
  };
  writeState(opts.stateDir, state);
  try {
    await Promise.all([
      ...plans.filter((p) => p.before).map((p) => p.plan.start(track(p.name))),
      ...(production ? [startProductionServices(production, track("production"), log)] : []),
    ]);
    await Promise.all([
      ...servers.map((s) => startSynapseGroup(s, () => writeState(opts.stateDir, state)).then(() => {
        log(`started ${s.role} (${s.serverName}) pid ${s.pid}${s.workers?.length ? `, workers ${s.workers.map((w) => `${w.name} pid ${w.pid}`).join(", ")}` : ""}`);
      })),
      ...plans.filter((p) => !p.before && !later.includes(p.name)).map((p) => p.plan.start(track(p.name))),
    ]);
    await Promise.all(servers.map((s) => waitBackgroundUpdates(s)));
    // Where a part took the login over (MAS for hs1), there is no shared-secret registration: no admin is made here.
    const tokens: Partial<Record<Role, string>> = {};
    for (const s of servers.filter((x) => !delegated.has(x.role))) {
      const admin = await registerWithSharedSecret(s.adminUrl ?? s.baseUrl, secrets[s.role]!.registration, {
        username: "admin",
        password: randomSecret(),
        admin: true,
        displayname: `Reference admin (${s.role})`,
      });
      tokens[s.role] = admin.access_token;
    }
    const partEnv = Object.assign({}, ...plans.map((p) => p.plan.targetEnv ?? {})) as Record<string, string>;
    const text = targetFileText(state, tokens, Object.fromEntries(ROLES.filter((r) => !delegated.has(r)).map((r) => [r, secrets[r]!.registration])))
      + Object.entries(partEnv).map(([k, v]) => `${k}=${v}\n`).join("");
    if (later.length) writePartStatus(opts.stateDir, Object.fromEntries(later.map((n) => [n, { status: "pending" }])));
    else clearPartStatus(opts.stateDir);
    writeFileSync(state.targetFile, text, { mode: 0o600 });
  } catch (e) {
    await stackDown(opts.stateDir);
    throw e;
  }
  if (later.length) void startLater(opts, state, later, plans, log);
  return state;
}

/**
 * Installs (where not done before) and starts the background parts, each on its own; parts-ready.json then says
 * ready, or failed with the one-line reason. Never rejects.
 */
function startLater(opts: StackOptions, state: StackState, later: string[], plans: { name: string; plan: PartPlan }[], log: (line: string) => void): Promise<void> {
  const statuses: PartStatuses = Object.fromEntries(later.map((n) => [n, { status: "pending" }]));
  const aborted = () => opts.signal?.aborted === true;
  const track = (part: string) => (p: PartProcess) => {
    // After an interruption the stack is being stopped: stop what still starts instead of recording it.
    if (aborted()) {
      void stopProcess(`${part} ${p.name}`, p.pid, p.match);
      return;
    }
    // Read, add, write: the checks run meanwhile, and one may have restarted a homeserver (a new pid in stack.json).
    const current = readState(opts.stateDir) ?? state;
    current.parts = [...(current.parts ?? []), { part, ...p }];
    writeState(opts.stateDir, current);
    log(`started ${part}: ${p.name} pid ${p.pid}`);
  };
  return Promise.all(later.map(async (name) => {
    const t0 = performance.now();
    const part = PARTS[name]!;
    try {
      if (!part.configuresHomeservers) await part.install?.(log);
      if (aborted()) return;
      await plans.find((p) => p.name === name)!.plan.start(track(name));
      statuses[name] = { status: "ready" };
      log(`${name} ready, ${((performance.now() - t0) / 1000).toFixed(1)} s after the homeservers`);
    } catch (e) {
      const reason = (e as Error).message.split("\n")[0]!;
      statuses[name] = { status: "failed", reason };
      if (!aborted()) log(`${name} did not start: ${reason}`);
    }
    if (!aborted()) writePartStatus(opts.stateDir, statuses);
  })).then(() => undefined);
}

/** SIGTERM, then SIGKILL after 15 s, to the process group of a process we started (it was spawned detached). */
export async function stopProcess(name: string, pid: number, match: string): Promise<void> {
  if (!pid || !isOurProcess(pid, match)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal("SIGTERM");
  try {
    await waitFor(`${name} (pid ${pid}) to exit`, async () => (isOurProcess(pid, match) ? undefined : true), { timeoutMs: 15_000, intervalMs: 50 });
  } catch {
    signal("SIGKILL");
    await backoff(100);
  }
}

/** Stops every recorded server; a no-op when nothing runs. Returns the roles that were running. */
export async function stackDown(stateDir: string): Promise<Role[]> {
  const state = readState(stateDir);
  if (!state) return [];
  if (state.launcher === "containers") return (await import("./containers.ts")).containerStackDown(stateDir, state);
  const running = state.servers.filter((s) => isOurProcess(s.pid, s.config)).map((s) => s.role);
  await Promise.all(state.servers.map((s) => stopSynapseGroup(s)));
  // Parts after the homeservers: a database part must outlive the servers that use it.
  await Promise.all((state.parts ?? []).map((p) => stopProcess(`${p.part} ${p.name}`, p.pid, p.match)));
  for (const p of state.parts ?? []) if (p.scratch) rmSync(p.scratch, { recursive: true, force: true });
  clearPartStatus(stateDir);
  clearState(stateDir);
  return running;
}

export interface ServerStatus {
  role: Role;
  serverName: string;
  baseUrl: string;
  adminUrl?: string;
  pid: number;
  alive: boolean;
  healthy: boolean;
  workers: { name: string; pid: number; port: number; alive: boolean; healthy: boolean }[];
}

async function answersHealth(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status === 200;
  } catch {
    return false;
  }
}

export interface PartStatus {
  part: string;
  name: string;
  pid: number;
  alive: boolean;
}

export async function stackStatus(stateDir: string): Promise<{ state?: StackState; servers: ServerStatus[]; parts: PartStatus[] }> {
  const state = readState(stateDir);
  if (!state) return { servers: [], parts: [] };
  const parts = (state.parts ?? []).map((p) => ({ part: p.part, name: p.name, pid: p.pid, alive: isOurProcess(p.pid, p.match) }));
  trustCa(state.caCert);
  const servers = await Promise.all(state.servers.map(async (s) => {
    const alive = isOurProcess(s.pid, s.config);
    const healthy = alive && await answersHealth(`${s.baseUrl}/health`);
    const workers = await Promise.all((s.workers ?? []).map(async (w) => {
      const wAlive = isOurProcess(w.pid, w.config);
      return { name: w.name, pid: w.pid, port: w.port, alive: wAlive, healthy: wAlive && await answersHealth(`http://127.0.0.1:${w.port}/health`) };
    }));
    return { role: s.role, serverName: s.serverName, baseUrl: s.baseUrl, ...(s.adminUrl ? { adminUrl: s.adminUrl } : {}), pid: s.pid, alive, healthy, workers };
  }));
  return { state, servers, parts };
}

function serverOf(stateDir: string, role: Role): { state: StackState; server: ServerState } {
  const state = readState(stateDir);
  const server = state?.servers.find((s) => s.role === role);
  if (!state || !server) throw new UserError(`no reference instance is recorded in ${stateDir}: run 'mxaccept stack up' first.`);
  return { state, server };
}

/** Stops one homeserver of the running instance (fault injection); the others keep running. */
export async function stopServer(stateDir: string, role: Role): Promise<void> {
  const { server } = serverOf(stateDir, role);
  await stopSynapseGroup(server);
}

/** Starts a stopped homeserver again with its config and database, and waits until it answers /health. */
export async function startServer(stateDir: string, role: Role): Promise<void> {
  const { state, server } = serverOf(stateDir, role);
  if (isOurProcess(server.pid, server.config)) throw new UserError(`${role} is already running (pid ${server.pid}).`);
  await startSynapseGroup(server, () => writeState(stateDir, state));
}
