import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../config/errors.ts";
import type { Deployment } from "../matrix/deployment.ts";
import { MatrixError } from "../matrix/http.ts";
import { WaitTimeout } from "../matrix/timeouts.ts";
import type { ProbeRecord } from "../report/sla.ts";
import { ProbeLog } from "./probe-log.ts";
import { openSession, type ProbeIdentity, type ProbeSession } from "./probe-session.ts";

/**
 * The availability canary: every interval one end-to-end chat check — the sender encrypts and sends a message
 * in the direct chat, the receiver's sync must deliver and decrypt it within the deadline — appended to the
 * probe log. The schedule is fixed (start + k × interval); a probe that overruns makes the prober skip the
 * slots it missed. Stops by itself after `durationMs`, or when `signal` aborts.
 *
 * With `count`, the prober runs exactly that many probes (unless `durationMs` or `signal` ends it first) and
 * skips no slot: a probe due while the one before overran starts as soon as that one ends. The run's canary
 * uses this, so a slow instance yields late probes with their latency instead of fewer probes.
 */
export interface ProberOptions {
  deployment: Deployment;
  out: string;
  intervalMs: number;
  durationMs: number;
  deadlineMs: number;
  /** Stop after this many probes; no slot is skipped when a probe overruns. */
  count?: number;
  metricsPort?: number;
  /** Whose run the canary's users belong to (default: a run of its own). */
  identity?: ProbeIdentity;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ProberSummary {
  probes: number;
  failures: number;
  resumed: boolean;
  roomId: string;
  runId: string;
}

/** A short class for the log and the metrics: connect, deadline, auth, http-<status>, error. */
export function errorClass(e: unknown): string {
  if (e instanceof MatrixError) return e.status === 401 ? "auth" : `http-${e.status}`;
  if (e instanceof WaitTimeout) return "deadline";
  const msg = (e as Error)?.message ?? String(e);
  if (/timed out|deadline/i.test(msg)) return "deadline";
  if (/failed: (ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|UND_ERR|EPIPE|other side closed|fetch failed)/i.test(msg)) return "connect";
  return "error";
}

class Metrics {
  probes = 0;
  failures = 0;
  lastLatencyMs = 0;
  lastOk = 0;
  text(): string {
    return [
      "# HELP mxaccept_probe_total End-to-end chat probes run by the availability canary.",
      "# TYPE mxaccept_probe_total counter",
      `mxaccept_probe_total ${this.probes}`,
      "# HELP mxaccept_probe_failures_total Probes that failed (not sent, or not received within the deadline).",
      "# TYPE mxaccept_probe_failures_total counter",
      `mxaccept_probe_failures_total ${this.failures}`,
      "# HELP mxaccept_probe_latency_seconds Send-to-receive latency of the last successful probe.",
      "# TYPE mxaccept_probe_latency_seconds gauge",
      `mxaccept_probe_latency_seconds ${this.lastLatencyMs / 1000}`,
      "# HELP mxaccept_probe_last_success_timestamp_seconds Time of the last successful probe.",
      "# TYPE mxaccept_probe_last_success_timestamp_seconds gauge",
      `mxaccept_probe_last_success_timestamp_seconds ${this.lastOk / 1000}`,
      "",
    ].join("\n");
  }
}

function serveMetrics(metrics: Metrics, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(metrics.text());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** One probe: send encrypted, wait for the receiver to decrypt it. Resolves with the latency. */
async function probeOnce(session: ProbeSession, deadlineMs: number): Promise<number> {
  const body = `mxaccept canary ${randomUUID()}`;
  const t0 = performance.now();
  const roomId = session.state.roomId;
  await session.sender.sendEncrypted(roomId, { msgtype: "m.text", body });
  const left = Math.max(1, deadlineMs - (performance.now() - t0));
  const m = await session.receiver.waitForMessage(`canary message "${body}"`, (x) => x.roomId === roomId && x.content.body === body, left);
  const inbox = session.receiver.inbox;
  inbox.splice(0, inbox.indexOf(m) + 1);
  return Math.round(performance.now() - t0);
}

/** Runs `op` with a deadline; the op is always awaited to its end before the caller goes on (no overlap). */
async function withDeadline<T>(op: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline of ${deadlineMs} ms passed`)), deadlineMs);
  });
  try {
    return await Promise.race([op, late]);
  } catch (e) {
    await op.catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export async function runProber(opts: ProberOptions): Promise<ProberSummary> {
  const log = opts.log ?? (() => {});
  const metrics = new Metrics();
  const server = opts.metricsPort !== undefined ? await serveMetrics(metrics, opts.metricsPort) : undefined;
  if (server) log(`metrics on http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`);
  const probeLog = new ProbeLog(opts.out);
  let session: ProbeSession | undefined;
  const open = async (fresh: boolean) => {
    const s = await openSession(opts.deployment, opts.out, fresh, opts.identity);
    log(`${s.resumed || fresh ? "resumed" : "created"} canary ${s.state.sender.userId} → ${s.state.receiver.userId} in ${s.state.roomId} (run ${s.state.runId})`);
    return s;
  };
  try {
    session = await open(false);
  } catch (e) {
    probeLog.close();
    server?.close();
    if (e instanceof UserError) throw e;
    throw new UserError(`could not set up the canary on ${opts.deployment.instance.clientUrl}: ${((e as Error)?.message ?? String(e)).split("\n")[0]}; check that test users can log in and open a direct chat there.`, 1);
  }
  const resumed = session.resumed;
  const sessionInfo = { roomId: session.state.roomId, runId: session.state.runId };
  const started = Date.now();
  const end = started + opts.durationMs;
  try {
    for (let k = 0; ; k++) {
      const due = started + k * opts.intervalMs;
      if (due >= end || opts.signal?.aborted) break;
      if (opts.count !== undefined && k >= opts.count) break;
      if (opts.count === undefined && due < Date.now() - opts.intervalMs) continue; // a slot missed while a probe overran
      if (due > Date.now()) {
        try {
          await sleep(due - Date.now(), undefined, { signal: opts.signal });
        } catch {
          break; // aborted
        }
      }
      const ts = new Date();
      const t0 = performance.now();
      const record: ProbeRecord & Record<string, unknown> = { ts: ts.toISOString(), ok: false, latencyMs: 0, intervalMs: opts.intervalMs };
      try {
        const latency = await withDeadline((async () => {
          session ??= await open(true);
          return probeOnce(session, opts.deadlineMs - (performance.now() - t0));
        })(), opts.deadlineMs);
        record.ok = true;
        record.latencyMs = latency;
        metrics.lastLatencyMs = latency;
        metrics.lastOk = Date.now();
      } catch (e) {
        record.latencyMs = Math.round(performance.now() - t0);
        record.error = errorClass(e);
        record.detail = ((e as Error)?.message ?? String(e)).split("\n")[0]!.slice(0, 300);
        if (record.error === "auth" && session) {
          // The token was revoked: next probe logs in again with fresh devices.
          session.stop();
          session = undefined;
        }
      }
      metrics.probes++;
      if (!record.ok) metrics.failures++;
      probeLog.append(record);
      log(`${record.ts} ${record.ok ? "ok" : `FAIL ${record.error}`} ${record.latencyMs} ms`);
    }
  } finally {
    probeLog.close();
    (session as ProbeSession | undefined)?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }
  return { probes: metrics.probes, failures: metrics.failures, resumed, ...sessionInfo };
}
