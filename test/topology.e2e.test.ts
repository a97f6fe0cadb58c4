import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deployment } from "../src/matrix/deployment.ts";
import { loadTarget, type Target } from "../src/config/target.ts";
import { trustCa } from "../src/config/trust.ts";
import { Ledger } from "../src/matrix/ledger.ts";
import { newRunId } from "../src/config/run-id.ts";
import { waitFor } from "../src/matrix/timeouts.ts";
import { UserFactory } from "../src/matrix/users.ts";
import type { Results } from "../src/report/results.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * The production topology (hs1 = Synapse main process + workers behind nginx, admin API on its own port), one
 * `stack up` for the whole file:
 * - the CLI commands that talk to a deployment outside a run (`probe`, `load`, `cleanup --stale`) work against
 *   it, and nginx's access logs show that none of them sent an admin request to the public client host;
 * - both directions: the reference passes the checks (the whole suite runs on it in `npm test`), and an nginx that
 *   breaks one thing fails exactly the checks that depend on it. The break is the `--overlay-nginx` file (nginx
 *   directives included first in hs1's public server block, so its locations win over the generated routing),
 *   rewritten and reloaded for each case, and emptied again after it.
 */
describe("the production topology", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-topology-"));
  const stateDir = join(dir, "state");
  const env = { MXACCEPT_STATE_DIR: stateDir, MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  const userOverlay = join(dir, "overlay.conf");
  // The stack's own copy of the overlay, which its nginx.conf includes (src/stack/topology/production.ts).
  const overlay = join(stateDir, "production", "overlay.conf");
  const nginxLog = (name: string) => join(stateDir, "production", name);
  let target: Target;
  let upOutput = "";

  beforeAll(async () => {
    writeFileSync(userOverlay, "# no change: the generated routing\n");
    const up = await mxaccept(["stack", "up", "--topology", "production", "--overlay-nginx", userOverlay], env, 600_000);
    upOutput = up.stderr + up.stdout;
    expect(up.code, upOutput).toBe(0);
    target = loadTarget(join(stateDir, "target.env"));
    trustCa(target.caFile!);
  }, 600_000);
  afterAll(async () => {
    // PostgreSQL's data lives outside the state folder (the postgres user must reach it); stopping removes it.
    const note = join(stateDir, "postgres-dir");
    const pgData = existsSync(note) ? readFileSync(note, "utf8").trim() : undefined;
    const down = await mxaccept(["stack", "down"], env);
    expect(down.code, down.stderr).toBe(0);
    expect(pgData, "the production topology runs PostgreSQL").toBeTruthy();
    expect(existsSync(pgData!), `PostgreSQL's data folder ${pgData} is removed when the stack stops`).toBe(false);
  }, 120_000);

  /** Rewrites the overlay, reloads nginx, and waits until `active` sees the new routing on the public host. */
  async function routeWith(conf: string, what: string, active: () => Promise<boolean>): Promise<void> {
    writeFileSync(overlay, conf);
    const reload = spawnSync("/usr/sbin/nginx", ["-s", "reload", "-c", join(stateDir, "production", "nginx.conf"), "-p", join(stateDir, "production")], { encoding: "utf8" });
    expect(reload.status, reload.stderr).toBe(0);
    await waitFor(`nginx to route ${what}`, async () => ((await active()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
  }
  const status = async (path: string) => (await fetch(`${target.baseUrl}/${path}`)).status;
  const adminOnPublic = async () => status("_synapse/admin/v1/server_version");
  const syncOnPublic = async () => status("_matrix/client/v3/sync");
  const generated = () => routeWith("# no change: the generated routing\n", "as generated", async () => (await adminOnPublic()) === 404 && (await syncOnPublic()) === 401);

  async function run(suites: string, args: string[] = []): Promise<{ code: number; results: Results }> {
    const reports = mkdtempSync(join(dir, "reports-"));
    const r = await mxaccept(["run", "--suite", suites, ...args], { ...env, MXACCEPT_REPORTS_DIR: reports }, 900_000);
    expect(r.stderr, "the run used the production stack").toMatch(/using the running reference instance/);
    const [runId] = readdirSync(reports);
    if (!runId) throw new Error(`the run wrote no report: ${r.stderr}`);
    return { code: r.code, results: JSON.parse(readFileSync(join(reports, runId, "results.json"), "utf8")) as Results };
  }
  const requirement = (r: Results, id: string) => r.requirements.find((q) => q.id === id)!;

  it("probe, load and cleanup --stale work against it, and none of them sends an admin request to the public client host", { timeout: 400_000 }, async () => {
    expect(upOutput, "the instance is the production topology").toMatch(/client1 pid \d+, federation1 pid \d+, media1 pid \d+/);
    // The target file `stack up` wrote, as a QA engineer would pass it.
    const targetFile = join(stateDir, "target.env");
    const text = readFileSync(targetFile, "utf8");
    const [hs1, hs2, hs3] = Deployment.of(target).servers();
    // Every server's admin URL is named; hs1's is nginx's admin host, not the public client URL.
    expect(text).toMatch(/^MXACCEPT_ADMIN_BASE_URL=https:\/\//m);
    expect(text).toContain(`MXACCEPT_PARTNER_ADMIN_BASE_URL=${hs2!.clientUrl}`);
    expect(text).toContain(`MXACCEPT_OUTSIDER_ADMIN_BASE_URL=${hs3!.clientUrl}`);
    expect(hs1!.adminUrl).not.toBe(hs1!.clientUrl);
    const admin = hs1!.admin();

    // A stale run (three hours old, its device gone) for cleanup --stale to find.
    const staleRun = newRunId(new Date(Date.now() - 3 * 3600_000));
    const stale = await new UserFactory(Deployment.of(target).instance, staleRun, new Ledger(join(dir, "nowhere", "l.jsonl"))).create("stale");
    await admin.request("DELETE", `_synapse/admin/v2/users/${encodeURIComponent(stale.userId)}/devices/${encodeURIComponent(stale.deviceId)}`);

    // Only what the three commands send is looked at: the logs from here on.
    const offset = (name: string) => (existsSync(nginxLog(name)) ? statSync(nginxLog(name)).size : 0);
    const from = { client: offset("client-access.log"), admin: offset("admin-access.log") };
    const t0 = performance.now();
    // An interval shorter than a probe takes: with --count no slot is skipped, so exactly 3 probes are logged.
    const probe = await mxaccept(["probe", "--target", targetFile, "--count", "3", "--interval", "100ms", "--duration", "3m", "--out", join(dir, "probe.jsonl")], env);
    const tProbe = performance.now();
    expect(probe.code, probe.stdout + probe.stderr).toBe(0);
    expect(probe.stdout, "three probes, bounded by --count").toMatch(/^3 probes, 0 failed/);
    expect(readFileSync(join(dir, "probe.jsonl"), "utf8").trim().split("\n"), "three probes logged").toHaveLength(3);
    const load = await mxaccept(["load", "--target", targetFile, "--scenario", "send", "--rate", "5", "--duration", "2s", "--warmup", "1s", "--users", "3"], env);
    const tLoad = performance.now();
    expect(load.code, load.stdout + load.stderr).toBe(0);
    const probeRun = /cleanup --run (\S+)'/.exec(probe.stdout)?.[1];
    expect(probeRun, probe.stdout).toBeDefined();
    const removeProbe = await mxaccept(["cleanup", "--target", targetFile, "--run", probeRun!], env);
    expect(removeProbe.code, removeProbe.stdout + removeProbe.stderr).toBe(0);
    const clean = await mxaccept(["cleanup", "--target", targetFile, "--stale"], env);
    const tClean = performance.now();
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect((await admin.getUser(stale.userId))?.deactivated, `the stale user is removed: ${clean.stdout}`).toBe(true);
    const canaries = (await admin.listUsers({ name: "canary-sender" })).concat(await admin.listUsers({ name: "canary-receiver" }));
    expect(canaries.map((u) => u.name), "active canary users after cleanup --run").toEqual([]);

    const lines = (name: string, start: number) => readFileSync(nginxLog(name), "utf8").slice(start).split("\n").filter(Boolean);
    const client = lines("client-access.log", from.client);
    const adminHost = lines("admin-access.log", from.admin);
    expect(client.filter((l) => l.includes("/_synapse/admin")), "admin requests sent to the public client host").toEqual([]);
    expect(client.filter((l) => /\/_matrix\/client\/.*\/sync/.test(l)).length, "the probes and the load used the public client host").toBeGreaterThan(3);
    expect(adminHost.filter((l) => l.includes("/_synapse/admin")).length, "the admin requests went to the admin host").toBeGreaterThan(3);
    console.log(`production topology: probe --count 3 ${((tProbe - t0) / 1000).toFixed(1)} s, load ${((tLoad - tProbe) / 1000).toFixed(1)} s, cleanup --run + --stale ${((tClean - tLoad) / 1000).toFixed(1)} s; nginx: ${client.length} requests on the client host (0 admin), ${adminHost.length} on the admin host`);
  });

  it("the admin API served on the public client host fails SEC-admin-surface; the other security checks pass", { timeout: 900_000 }, async () => {
    await routeWith('location ~ "^/_synapse/admin" { proxy_pass http://hs1_main; }\n', "the admin API on the public host", async () => (await adminOnPublic()) === 200);
    try {
      const { code, results } = await run("security");
      expect(code).toBe(1);
      const admin = requirement(results, "SEC-admin-surface");
      expect(admin.status, admin.reason).toBe("failed");
      expect(admin.reason).toMatch(/the public client URL serves the admin API \(serverVersion: 200/);
      for (const id of ["SEC-anonymous", "SEC-bruteforce", "BUM-5.3.e"]) {
        expect(requirement(results, id).status, `${id}: ${requirement(results, id).reason ?? ""}`).toBe("passed");
      }
    } finally {
      await generated();
    }
  });

  it("/sync routed to the media worker (which does not serve it) fails the messaging checks that sync, with the HTTP status in the reason", { timeout: 900_000 }, async () => {
    await routeWith('location ~ "^/_matrix/client/(r0|v3)/sync$" { proxy_pass http://hs1_media; }\n', "/sync to the media worker", async () => (await syncOnPublic()) === 404);
    try {
      const { code, results } = await run("messaging", ["--grep", "BUM-2.1.a1|BUM-2.1.b "]);
      expect(code).toBe(1);
      for (const id of ["BUM-2.1.a1", "BUM-2.1.b"]) {
        const r = requirement(results, id);
        expect(r.status, `${id}: ${r.reason ?? ""}`).toBe("failed");
        expect(r.reason, id).toMatch(/\/sync failed with HTTP 404/);
      }
    } finally {
      await generated();
    }
  });
});
