/**
 * Load benchmark (not part of npm test): prints the figures the load issue asks for.
 *   1. Generator headroom: requests per second our in-process engine keeps (open model, valid run) against a
 *      trivial node:http server in a child process, as a ratio to plain autocannon (closed model, as fast as it
 *      can) on the same server in the same run; the same for k6 (constant-arrival-rate).
 *   2. The knee of the embedded reference instance: `mxaccept load --scenario send --rates …` (SQLite).
 *   3. Users at scale: provisioning and logging in N users (admin API, no password) and their cleanup, and for
 *      comparison shared-secret registration (which hashes a password per user).
 * Usage: npm run bench:load -- [headroom] [knee] [users]   (all three without arguments)
 *   BENCH_KNEE_RATES=5,10,20,40 BENCH_DURATION=10s BENCH_USERS=1000
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { projectRoot } from "../src/config/paths.ts";
import { runAutocannon } from "../src/load/autocannon-engine.ts";
import { k6Binary } from "../src/load/k6-engine.ts";
import { childrenCpuMs } from "../src/load/engine.ts";
import { provisionLoadUsers } from "../src/load/load-users.ts";
import { mapPool } from "../src/matrix/pool.ts";
import { loadTarget } from "../src/config/target.ts";
import { trustCa } from "../src/config/trust.ts";
import { stateDir } from "../src/config/paths.ts";
import { runningStack } from "../src/stack/native.ts";
import { Ledger } from "../src/matrix/ledger.ts";
import { newRunId, runTag } from "../src/config/run-id.ts";
import { randomPassword } from "../src/matrix/login.ts";
import { Deployment } from "../src/matrix/deployment.ts";
import { cleanupRun } from "../src/matrix/cleanup.ts";
import { scriptArgs } from "./script-args.ts";

const USAGE = `npm run bench:load -- [headroom] [knee] [users]   (all three without arguments)
The load figures: generator headroom (our engine and k6 against plain autocannon), the knee of the embedded
reference instance, provisioning and logging in users at scale. Environment: BENCH_KNEE_RATES=5,10,20,40
BENCH_DURATION=10s BENCH_USERS=1000`;
const which = new Set(scriptArgs(USAGE, {}, { positionals: true }).positionals);
const unknownPart = [...which].find((w) => !["headroom", "knee", "users"].includes(w));
if (unknownPart) {
  console.error(`bench:load: unknown part "${unknownPart}": choose from headroom, knee, users.`);
  process.exit(2);
}
const all = which.size === 0;
const cli = join(projectRoot(), "bin", "mxaccept.js");

async function trivialServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ["-e", `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { console.log(this.address().port) })`], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) => child.stdout.once("data", (d) => resolve(String(d).trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function plainAutocannon(url: string): Promise<number> {
  const r = await autocannon({ url, connections: 50, duration: 5 } as autocannon.Options);
  return r.requests.average;
}

/** The highest rate our engine keeps with a valid run (doubling from `from`). */
async function oursMax(url: string, from: number): Promise<{ rate: number; achieved: number; cpu: number }> {
  let best = { rate: 0, achieved: 0, cpu: 0 };
  for (let rate = from; rate <= 64_000; rate *= 2) {
    const r = await runAutocannon({ baseUrl: url, scenario: "get", rate, durationMs: 4000, warmupMs: 1000, connections: Math.max(50, rate / 50), request: () => ({ method: "GET", path: "/" }) });
    console.log(`  ours @ ${rate}/s: achieved ${r.achievedRate.toFixed(0)}/s, late ${(r.lateShare * 100).toFixed(1)} %, p99 ${r.latency.p99.toFixed(1)} ms, CPU ${(r.generatorCpu * 100).toFixed(0)} %${r.valid ? "" : " (invalid)"}`);
    if (!r.valid || r.errors > 0) break;
    best = { rate, achieved: r.achievedRate, cpu: r.generatorCpu };
  }
  return best;
}

async function k6Max(url: string, from: number): Promise<{ rate: number; achieved: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), "mxa-bench-k6-"));
  const script = join(dir, "get.js");
  writeFileSync(script, `import http from "k6/http";
export const options = { scenarios: { main: { executor: "constant-arrival-rate", rate: Number(__ENV.RATE), timeUnit: "1s", duration: "4s", preAllocatedVUs: 50, maxVUs: 400 } }, summaryTrendStats: ["p(99)"] };
export default function () { http.get(__ENV.URL); }
export function handleSummary(d) { return { [__ENV.OUT]: JSON.stringify(d) }; }
`);
  let best = { rate: 0, achieved: 0, cpu: 0 };
  for (let rate = from; rate <= 64_000; rate *= 2) {
    const out = join(dir, `s${rate}.json`);
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    spawnSync(k6Binary(), ["run", "--quiet", "--no-usage-report", "-e", `RATE=${rate}`, "-e", `URL=${url}/`, "-e", `OUT=${out}`, script], { stdio: "ignore" });
    const cpu = (childrenCpuMs() - c0) / (performance.now() - t0);
    const { readFileSync } = await import("node:fs");
    const m = (JSON.parse(readFileSync(out, "utf8")) as { metrics: Record<string, { values: Record<string, number> }> }).metrics;
    const reqs = m.http_reqs?.values.count ?? 0;
    const dropped = m.dropped_iterations?.values.count ?? 0;
    const achieved = reqs / 4;
    const valid = dropped <= 0.05 * rate * 4;
    console.log(`  k6 @ ${rate}/s: achieved ${achieved.toFixed(0)}/s, dropped ${dropped}, p99 ${(m.http_req_duration?.values["p(99)"] ?? 0).toFixed(1)} ms, CPU ${(cpu * 100).toFixed(0)} %${valid ? "" : " (invalid)"}`);
    if (!valid) break;
    best = { rate, achieved, cpu };
  }
  return best;
}

function mx(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

if (all || which.has("headroom")) {
  console.log("== generator headroom against a trivial node:http server (child process)");
  const server = await trivialServer();
  try {
    const plain = await plainAutocannon(server.url);
    console.log(`  plain autocannon (closed model, 50 connections): ${plain.toFixed(0)}/s`);
    const ours = await oursMax(server.url, 250);
    const k6 = await k6Max(server.url, 250);
    console.log(`headroom: ours ${ours.achieved.toFixed(0)}/s = ${(ours.achieved / plain).toFixed(2)} × plain autocannon; k6 ${k6.achieved.toFixed(0)}/s = ${(k6.achieved / plain).toFixed(2)} × plain autocannon (plain ${plain.toFixed(0)}/s)`);
  } finally {
    server.stop();
  }
}

if (all || which.has("knee") || which.has("users")) {
  const up = mx(["stack", "up"]);
  if (up.code !== 0) throw new Error(up.out);
  try {
    if (all || which.has("knee")) {
      for (const engine of ["autocannon", "k6"]) {
        console.log(`== knee of the embedded instance (SQLite), ${engine}`);
        const r = mx(["load", "--scenario", "send", "--engine", engine, "--rates", process.env.BENCH_KNEE_RATES ?? "5,10,20,40,80", "--duration", process.env.BENCH_DURATION ?? "10s"]);
        console.log(r.out.split("\n").filter((l) => /^(autocannon|k6) |latency|knee|missed|kept/.test(l.trim())).join("\n"));
      }
    }
    if (all || which.has("users")) {
      const n = process.env.BENCH_USERS ?? "1000";
      console.log(`== ${n} users provisioned and logged in (admin API, no password), then cleaned up`);
      const t0 = performance.now();
      const r = mx(["load", "--scenario", "sync", "--users", n, "--rate", "20", "--duration", "3s"]);
      console.log(r.out.split("\n").filter((l) => /provisioned|cleanup|autocannon sync|request latency/.test(l)).join("\n"));
      console.log(`  whole load command: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      // The two ways to make users, 50 each, 8 at a time: admin API without password vs shared-secret registration.
      const target = loadTarget(runningStack(stateDir())!.targetFile);
      if (target.caFile) trustCa(target.caFile);
      const runId = newRunId();
      const ledgerFile = join(mkdtempSync(join(tmpdir(), "mxa-bench-users-")), "ledger.jsonl");
      const ledger = new Ledger(ledgerFile);
      const d = Deployment.of(target);
      const t1 = performance.now();
      await provisionLoadUsers(d.instance, runId, ledger, 50);
      const adminMs = performance.now() - t1;
      const admin = d.instance.admin();
      const t2 = performance.now();
      await mapPool(Array.from({ length: 50 }, (_, i) => i), 8, async (i) => {
        const username = `${runTag(runId)}reg-${i}`;
        ledger.record({ kind: "user", id: `@${username}:${target.serverName}`, server: target.serverName });
        const s = await d.instance.register({ username, password: randomPassword() });
        await admin.overrideRatelimit(s.user_id);
      });
      const regMs = performance.now() - t2;
      console.log(`  50 users: admin API ${(adminMs / 1000).toFixed(1)} s (${(adminMs / 50).toFixed(0)} ms/user), shared-secret registration ${(regMs / 1000).toFixed(1)} s (${(regMs / 50).toFixed(0)} ms/user)`);
      await cleanupRun(d, runId, ledgerFile);
    }
  } finally {
    mx(["stack", "down"]);
  }
}
