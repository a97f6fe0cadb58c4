import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/config/paths.ts";
import { trustCa } from "../src/config/trust.ts";
import { readProbeLog } from "../src/load/probe-log.ts";
import { readProbeState, stateFileFor } from "../src/load/probe-session.ts";
import { waitFor } from "../src/matrix/timeouts.ts";
import type { SlaResult } from "../src/report/sla.ts";
import { startServer, stopServer } from "../src/stack/native.ts";
import { readState } from "../src/stack/state.ts";
import { mxaccept, runWithOverlayOn } from "./helpers/cli.ts";

// Fault injection: the canary runs against the reference instance while hs1 is stopped and started again.
// `mxaccept sla` over the canary's log must count the injected downtime (within one probe interval), and
// excuse it when a maintenance window covers it.
const INTERVAL_MS = 2000;

describe("availability canary under fault injection", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-avail-"));
  const stateDir = join(dir, "state");
  const log = join(dir, "probes.jsonl");
  const env = { MXACCEPT_STATE_DIR: stateDir, MXACCEPT_REPORTS_DIR: join(dir, "reports") };

  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  const probes = () => readProbeLog(log).probes;
  const after = (t: number) => probes().filter((p) => Date.parse(p.ts) >= t);
  const sla = async (args: string[]) => {
    const r = await mxaccept(["sla", "--probes", log, "--json", ...args], env);
    expect(r.stderr).toBe("");
    return { code: r.code, result: JSON.parse(r.stdout) as SlaResult };
  };

  it("counts hs1's downtime as outage within one probe interval, and a maintenance window excuses it", { timeout: 300_000 }, async () => {
    const up = await mxaccept(["stack", "up"], env);
    expect(up.code, up.stderr).toBe(0);
    trustCa(readState(stateDir)!.caCert);

    // The prober as a user runs it, bounded by --duration, ended early with SIGTERM once the faults are done.
    const child = spawn(process.execPath, [join(projectRoot(), "bin", "mxaccept.js"), "probe", "--interval", `${INTERVAL_MS}ms`, "--deadline", "30s", "--duration", "4m", "--out", log, "--metrics-port", "0"], {
      cwd: projectRoot(), env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number>((r) => child.on("exit", (code) => r(code ?? 1)));
    try {
      await waitFor("three successful probes", async () => (probes().filter((p) => p.ok).length >= 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });

      const stopAt = Date.now();
      // The window starts at the last good probe before the fault (failures before it, e.g. a first probe slowed
      // down by a loaded machine, are not what this test measures).
      const from = probes().filter((p) => p.ok).pop()!.ts;
      await stopServer(stateDir, "hs1");
      await waitFor("three failed probes while hs1 is down", async () => (after(stopAt).filter((p) => !p.ok).length >= 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
      await startServer(stateDir, "hs1");
      const upAt = Date.now();
      const downtimeMs = upAt - stopAt;
      await waitFor("three successful probes after the restart", async () => (after(upAt).filter((p) => p.ok).length >= 3 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
      // The prober's Prometheus counters saw the same probes (what the generated burn-rate rules read).
      const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out)?.[1];
      expect(port, out).toBeDefined();
      const logged = probes();
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(metrics)?.[1]);
      expect(counter("mxaccept_probe_total"), metrics).toBeGreaterThanOrEqual(logged.length);
      expect(counter("mxaccept_probe_failures_total"), metrics).toBe(logged.filter((p) => !p.ok).length);
      child.kill("SIGTERM");
      expect(await exited, out).toBe(0);
      expect(out).toMatch(/probes, [1-9]\d* failed \(interrupted\)/);

      const all = probes();
      const failed = all.filter((p) => !p.ok && p.ts >= from);
      const show = (list: typeof all) => list.map((p) => `${p.ts} ${p.ok ? "ok" : `${p.error} ${String((p as { detail?: string }).detail)}`}`).join("\n");
      expect(failed.filter((p) => Date.parse(p.ts) >= upAt), `no failure after hs1 is back (up at ${new Date(upAt).toISOString()}):\n${show(all)}`).toEqual([]);
      expect(failed.some((p) => p.error === "connect"), `error classes while hs1 is down:\n${show(failed)}`).toBe(true);

      const to = all[all.length - 1]!.ts;
      const measured = await sla(["--from", from, "--to", to, "--bucket", "1s", "--target-availability", "0.97"]);
      const r = measured.result;
      console.log(`fault injection: hs1 down ${downtimeMs} ms; canary: ${failed.length} failed probes (${[...new Set(failed.map((p) => p.error))].join(", ")}), failed span ${r.failedMs} ms, ${r.outageBuckets} outage seconds of ${r.serviceBuckets}, availability ${(r.availability * 100).toFixed(2)} %`);
      // The failed spans run from the first failed probe to the first good one after the restart.
      expect(Math.abs(r.failedMs - downtimeMs), `failed ${r.failedMs} ms vs injected ${downtimeMs} ms:\n${show(all)}`).toBeLessThanOrEqual(INTERVAL_MS);
      // Whole seconds touched: at most one more bucket at each end.
      expect(Math.abs(r.outageBuckets * 1000 - downtimeMs), `outage ${r.outageBuckets} s vs injected ${downtimeMs} ms`).toBeLessThanOrEqual(INTERVAL_MS + 2000);
      expect(r.unobservedMs).toBeLessThan(INTERVAL_MS);
      expect(r.met, "a ~10 s outage in a ~1 min window is far below 97 %").toBe(false);
      expect(measured.code).toBe(1);

      const calendar = join(dir, "maintenance.yaml");
      const iso = (ms: number) => new Date(ms).toISOString();
      writeFileSync(calendar, `- { start: ${iso(stopAt - INTERVAL_MS)}, end: ${iso(upAt + 2 * INTERVAL_MS)}, kind: maintenance, note: "hs1 restart (fault injection)" }\n`);
      const excused = await sla(["--from", from, "--to", to, "--bucket", "1s", "--target-availability", "0.97", "--maintenance", calendar]);
      expect(excused.result.outageBucketsBeforeExcuse).toBe(r.outageBuckets);
      expect(excused.result.outageBuckets, "the maintenance window excuses the outage").toBe(0);
      expect(excused.result.met).toBe(true);
      expect(excused.code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    }

    // A restarted prober resumes with the same users and direct chat, and appends to the same log.
    const before = readProbeState(stateFileFor(log))!;
    const lines = probes().length;
    const again = await mxaccept(["probe", "--interval", `${INTERVAL_MS}ms`, "--duration", "3s", "--out", log], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resumed canary/);
    expect(again.stdout).toMatch(/^2 probes, 0 failed/);
    const resumed = readProbeState(stateFileFor(log))!;
    expect(resumed.roomId).toBe(before.roomId);
    expect(resumed.sender.userId).toBe(before.sender.userId);
    expect(resumed.sender.deviceId, "a fresh device after the restart").not.toBe(before.sender.deviceId);
    expect(probes().length).toBe(lines + 2);
    expect(readFileSync(log, "utf8")).not.toMatch(/syt_|access_token|password/);
  });

  it("an instance where users cannot open a direct chat fails the availability check (BUM-3.2.7)", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("availability", "block_non_admin_invites: true\n", []);
    expect(code).toBe(1);
    const req = results.requirements.find((r) => r.id === "BUM-3.2.7")!;
    expect(req.status).toBe("failed");
    expect(req.reason).toMatch(/403|M_FORBIDDEN|[Ii]nvite/);
    expect(results.requirements.filter((r) => r.status === "failed").map((r) => r.id)).toEqual(["BUM-3.2.7"]);
  });
});
