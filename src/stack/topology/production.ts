import { spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { UserError } from "../../config/errors.ts";
import { waitFor, StopWaiting } from "../../matrix/timeouts.ts";
import type { StackLayout } from "../generate.ts";
import { debianPackages, ensure, runLogged, cacheDir, type Installable, type Log } from "../install.ts";
import type { Yamlish } from "../overlay.ts";
import type { Ingress, PartProcess } from "../parts.ts";
import { freePort, portInUse } from "../ports.ts";
import { isOurProcess } from "../state.ts";
import { nginxConfig, type NginxPorts } from "./nginx.ts";

/**
 * The production topology of hs1 (`stack up --topology production`), shaped as operators run Synapse:
 *
 * - a main process, a generic worker for sync and client reads (`client1`), a generic worker for inbound
 *   federation (`federation1`) and a media repository worker (`media1`; `enable_media_repo: false` on the main
 *   process), replicating over Redis; the database is PostgreSQL (the `postgres` part);
 * - nginx as the only public entry, routing the paths of Synapse's workers documentation to the workers. The server
 *   name is `localhost` (no port), delegated through `https://localhost/.well-known/matrix/server` (port 443) to the
 *   client/federation host `https://localhost:<client port>`; the admin API answers 404 there and is served on
 *   `https://localhost:<admin port>`; plain HTTP (port 80, and on every TLS port) is redirected to https; HSTS.
 *
 * Host names: nothing but `localhost` resolves to loopback without changing /etc/hosts (glibc and Node resolve no
 * `*.localhost` names here), so the public surfaces are split by port on 127.0.0.1. Delegation needs port 443 (the
 * spec looks up `.well-known` only there), so one production topology runs per machine at a time, as root or with
 * permission to bind ports below 1024.
 *
 * hs2 and hs3 stay single Synapse processes. Everything here comes from the same generator (generate.ts): these
 * are settings deep-merged into hs1's generated homeserver.yaml, plus one small file per worker.
 */

export const TOPOLOGIES = ["simple", "production"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export function parseTopology(value: string | undefined): Topology {
  if (value === undefined) return "simple";
  if ((TOPOLOGIES as readonly string[]).includes(value)) return value as Topology;
  throw new UserError(`--topology ${value}: unknown topology; choose simple (three single Synapse processes) or production (hs1 with workers, Redis and nginx).`);
}

export const PUBLIC_SERVER_NAME = "localhost";

export interface WorkerSpec {
  name: string;
  app: string;
  port: number;
  /** The worker's own config file (read after homeserver.yaml). */
  config: string;
  resources: string[];
}

export interface ProductionPlan {
  ports: NginxPorts & { redis: number; replication: number };
  workers: WorkerSpec[];
  clientUrl: string;
  adminUrl: string;
  /** Settings deep-merged into hs1's generated homeserver.yaml (before any --overlay). */
  homeserver: Yamlish;
  nginxConf: string;
  dir: string;
  /** What nginx.conf is written from (writeNginxConf): parts add their ingress before anything starts. */
  nginx: Parameters<typeof nginxConfig>[0];
}

/** nginx and Redis from Debian (set-up by need). */
export const nginxAndRedis: Installable = debianPackages("nginx and Redis", ["/usr/sbin/nginx", "/usr/bin/redis-server"], ["nginx", "redis-server"]);

function venvHasRedis(python: string): boolean {
  return spawnSync(python, ["-c", "import txredisapi, hiredis"], { stdio: "ignore" }).status === 0;
}

/** Synapse's `redis` extra (txredisapi, hiredis) in the Synapse venv: what its workers replicate with. */
export function synapseRedisExtra(python: string): Installable {
  return {
    name: "Synapse's redis extra (txredisapi, hiredis)",
    expect: "about 10 s",
    present: () => venvHasRedis(python),
    async install(progress) {
      progress("pip install");
      // The bounds of matrix-synapse's own `redis` extra.
      await runLogged(python, ["-m", "pip", "install", "-q", "txredisapi>=1.4.12,<1.6.0", "hiredis>=0.3"], { what: "pip install of Synapse's redis extra", logFile: join(cacheDir(), "logs", "pip-synapse-redis.log") });
    },
  };
}

/** Everything the production topology needs installed, for `setup --all`. */
export function productionInstallables(python: string): Installable[] {
  return [nginxAndRedis, synapseRedisExtra(python)];
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  return ports;
}

/**
 * Chooses ports and writes the worker and nginx configs for hs1. Sets hs1's public server name and client URL in
 * the layout, so the generator (allowlists, public_baseurl) and every part see the delegated names.
 */
export async function prepareProduction(opts: { stateDir: string; layout: StackLayout; python: string; maxUploadBytes: number; nginxOverlay?: string; log: Log }): Promise<ProductionPlan> {
  await ensure(nginxAndRedis, opts.log);
  await ensure(synapseRedisExtra(opts.python), opts.log);
  if (process.getuid?.() !== 0) {
    let start = 1024;
    try {
      start = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
    } catch {
      /* not Linux: assume the classic limit */
    }
    if (start > 80) throw new UserError(`the production topology binds 127.0.0.1:443 (the delegated server name) and :80 (the redirect), which needs root here: run as root, or allow it with 'sudo sysctl net.ipv4.ip_unprivileged_port_start=80', and retry.`);
  }
  for (const port of [443, 80]) {
    if (await portInUse(port)) throw new UserError(`the production topology serves the delegated server name on 127.0.0.1:443 and redirects port 80, but port ${port} is in use (another production instance?): stop it ('mxaccept stack down' where it runs) and retry.`);
  }
  if (opts.nginxOverlay && !existsSync(resolve(opts.nginxOverlay))) throw new UserError(`--overlay-nginx ${opts.nginxOverlay}: file not found.`);
  const [client, admin, redis, replication, w1, w2, w3] = await distinctFreePorts(7);
  const hs1 = opts.layout.servers.hs1;
  const dir = join(opts.stateDir, "production");
  mkdirSync(join(dir, "tmp"), { recursive: true, mode: 0o700 });
  // A copy beside the config, so a later edit of the user's file does not change a running stack.
  const overlay = opts.nginxOverlay ? join(dir, "overlay.conf") : undefined;
  if (opts.nginxOverlay && overlay) copyFileSync(resolve(opts.nginxOverlay), overlay);
  const clientUrl = `https://${PUBLIC_SERVER_NAME}:${client}`;
  const adminUrl = `https://${PUBLIC_SERVER_NAME}:${admin}`;
  hs1.public = { serverName: PUBLIC_SERVER_NAME, baseUrl: clientUrl };

  const ports: ProductionPlan["ports"] = { https: 443, http: 80, client: client!, admin: admin!, main: hs1.port, client1: w1!, federation1: w2!, media1: w3!, redis: redis!, replication: replication! };
  const workers = workerSpecs(hs1.dir, ports);
  const homeserver = productionHomeserver(ports, randomBytes(24).toString("base64url"));
  const nginx = { dir, ports, tls: opts.layout.tls, serverName: PUBLIC_SERVER_NAME, clientUrl, maxUploadBytes: opts.maxUploadBytes, overlay, asRoot: process.getuid?.() === 0 };
  const plan = { ports, workers, clientUrl, adminUrl, homeserver, nginxConf: join(dir, "nginx.conf"), dir, nginx };
  writeNginxConf(plan);
  return plan;
}

/** (Re)writes nginx.conf from the plan, with the ingress of the parts (src/stack/parts.ts `Ingress`). */
export function writeNginxConf(plan: ProductionPlan, ingress: Ingress[] = []): void {
  writeFileSync(plan.nginxConf, nginxConfig({ ...plan.nginx, ingress }));
}

/** hs1's workers: sync and client reads, inbound federation, media. */
export function workerSpecs(hs1Dir: string, ports: ProductionPlan["ports"]): WorkerSpec[] {
  return [
    { name: "client1", app: "synapse.app.generic_worker", port: ports.client1, config: join(hs1Dir, "worker-client1.yaml"), resources: ["client"] },
    { name: "federation1", app: "synapse.app.generic_worker", port: ports.federation1, config: join(hs1Dir, "worker-federation1.yaml"), resources: ["federation"] },
    { name: "media1", app: "synapse.app.media_repository", port: ports.media1, config: join(hs1Dir, "worker-media1.yaml"), resources: ["media"] },
  ];
}

/** What the production topology merges into hs1's generated homeserver.yaml (the shared config of all its processes). */
export function productionHomeserver(ports: ProductionPlan["ports"], replicationSecret: string): Yamlish {
  return {
    // The main process listens on loopback in plain HTTP behind nginx; replication on its own port.
    listeners: [
      { port: ports.main, bind_addresses: ["127.0.0.1"], type: "http", tls: false, x_forwarded: true, resources: [{ names: ["client", "federation"], compress: false }] },
      { port: ports.replication, bind_addresses: ["127.0.0.1"], type: "http", tls: false, resources: [{ names: ["replication"] }] },
    ],
    redis: { enabled: true, host: "127.0.0.1", port: ports.redis },
    instance_map: { main: { host: "127.0.0.1", port: ports.replication } },
    worker_replication_secret: replicationSecret,
    enable_media_repo: false,
    media_instance_running_background_jobs: "media1",
    // nginx serves both .well-known documents (the server name's host is not Synapse's).
    serve_server_wellknown: false,
  };
}

/** The worker's own file: which app, its name, its listener, its log. */
export function workerConfig(w: WorkerSpec, logConfigPath: string): Yamlish {
  return {
    worker_app: w.app,
    worker_name: w.name,
    worker_listeners: [{ type: "http", port: w.port, bind_addresses: ["127.0.0.1"], x_forwarded: true, resources: [{ names: w.resources, compress: false }] }],
    worker_log_config: logConfigPath,
  };
}

function spawnLogged(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): number {
  const out = openSync(logFile, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", out, out], env: env ?? process.env });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new UserError(`could not start ${cmd}: check its installation and retry.`);
  return child.pid;
}

function lastLines(file: string, n = 3): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-n).join(" | ");
  } catch {
    return "(no log)";
  }
}

/** Starts Redis and nginx (before the homeservers: nginx answers 502 until they are up). */
export async function startProductionServices(plan: ProductionPlan, track: (p: PartProcess) => void, log: Log): Promise<void> {
  const redisLog = join(plan.dir, "redis.log");
  const redisDir = join(plan.dir, "redis");
  mkdirSync(redisDir, { recursive: true });
  const redisPid = spawnLogged("/usr/bin/redis-server", ["--port", String(plan.ports.redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDir, "--daemonize", "no", "--protected-mode", "yes"], redisLog);
  // redis-server sets its process title to "redis-server 127.0.0.1:<port>".
  track({ name: "redis", pid: redisPid, match: `127.0.0.1:${plan.ports.redis}`, log: redisLog });
  const test = spawnSync("/usr/sbin/nginx", ["-t", "-q", "-c", plan.nginxConf, "-p", plan.dir], { encoding: "utf8" });
  if (test.status !== 0) throw new UserError(`nginx refused its configuration (${(test.stderr || test.stdout).trim().split("\n")[0]}): see ${plan.nginxConf}.`);
  const nginxLog = join(plan.dir, "error.log");
  const nginxPid = spawnLogged("/usr/sbin/nginx", ["-c", plan.nginxConf, "-p", plan.dir, "-g", "daemon off;"], join(plan.dir, "nginx.out"));
  track({ name: "nginx", pid: nginxPid, match: plan.nginxConf, log: nginxLog });
  await waitFor("Redis and nginx to accept connections", async () => {
    if (!isOurProcess(redisPid, `127.0.0.1:${plan.ports.redis}`)) throw new StopWaiting(`Redis exited during start-up: ${lastLines(redisLog)}.`);
    if (!isOurProcess(nginxPid, plan.nginxConf)) throw new StopWaiting(`nginx exited during start-up: ${lastLines(nginxLog)} ${lastLines(join(plan.dir, "nginx.out"))}.`);
    return (await portInUse(plan.ports.redis)) && (await portInUse(plan.ports.client)) && (await portInUse(plan.ports.https)) ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 }).catch((e) => {
    throw e instanceof StopWaiting ? new UserError(e.message) : new UserError(`Redis or nginx did not start: ${(e as Error).message}; logs in ${plan.dir}.`);
  });
  log(`nginx: server name ${PUBLIC_SERVER_NAME} on https://${PUBLIC_SERVER_NAME} (.well-known), client API ${plan.clientUrl}, admin API ${plan.adminUrl}; Redis on 127.0.0.1:${plan.ports.redis}`);
}
