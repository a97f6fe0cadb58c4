import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTarget } from "../src/config/target.ts";
import { trustCa } from "../src/config/trust.ts";
import { AdminClient } from "../src/matrix/admin.ts";
import { Ledger } from "../src/matrix/ledger.ts";
import { UserFactory } from "../src/matrix/users.ts";
import { Deployment } from "../src/matrix/deployment.ts";
import { newRunId } from "../src/config/run-id.ts";
import { projectRoot } from "../src/config/paths.ts";
import { waitFor } from "../src/matrix/timeouts.ts";
import type { Results } from "../src/report/results.ts";
import { mxaccept } from "./helpers/cli.ts";
import { expectOneLineError, processesMentioning } from "./helpers/errors.ts";
import { secretsIn } from "./helpers/secrets.ts";

/**
 * Cleanup leaves nothing of a run behind: a run kept with --keep-data is removed by `cleanup --run`, and
 * run-tagged leftovers that no ledger knows (a crashed run) are removed by `cleanup --stale`.
 */
describe("cleanup of run data", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-clean-"));
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  let admin: AdminClient;
  let targetFile: string;

  beforeAll(async () => {
    const up = await mxaccept(["stack", "up"], env);
    expect(up.code, up.stderr).toBe(0);
    targetFile = join(dir, "state", "target.env");
    const target = loadTarget(targetFile);
    trustCa(target.caFile!);
    admin = new AdminClient(target.baseUrl, target.adminToken!);
  }, 180_000);
  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  const live = async (prefix: string) => (await admin.listUsers({ name: prefix })).filter((u) => !u.deactivated);

  it("cleanup --run removes the users and rooms of a run kept with --keep-data", { timeout: 180_000 }, async () => {
    const run = await mxaccept(["run", "--suite", "messaging", "--grep", "BUM-2\\.1\\.a1 ", "--keep-data"], env);
    expect(run.code, run.stderr).toBe(0);
    const [runId] = readdirSync(join(dir, "reports"));
    const ledgerRooms = Ledger.read(join(dir, "reports", runId!, "ledger.jsonl")).filter((e) => e.kind === "room");
    // The test's room; the pre-flight's capability probe adds two of its own (a private room and a direct chat).
    const rooms = ledgerRooms.filter((e) => !e.test?.startsWith("pre-flight")).map((e) => e.id);
    // The test's two users, and the pre-flight's probe user (encryption by server default).
    expect((await live(`mxa-${runId}-`)).filter((u) => !/-probe$/.test(u.name.split(":")[0]!))).toHaveLength(2);
    expect(rooms).toHaveLength(1);
    expect(await admin.room(rooms[0]!)).toBeDefined();
    const liveBefore = (await live(`mxa-${runId}-`)).length;

    const clean = await mxaccept(["cleanup", "--run", runId!], env);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`${liveBefore} users deactivated and erased, ${ledgerRooms.length} rooms purged`));
    expect(await live(`mxa-${runId}-`)).toHaveLength(0);
    expect(await admin.room(rooms[0]!), "the room is purged").toBeUndefined();
  });

  it("cleanup --stale removes run-tagged users and rooms of a crashed run that left no ledger, and spares an old run that is still active", { timeout: 120_000 }, async () => {
    const target = loadTarget(targetFile);
    const threeHoursAgo = () => newRunId(new Date(Date.now() - 3 * 3600_000));
    const createRoom = (token: string, name: string) => fetch(`${target.baseUrl}/_matrix/client/v3/createRoom`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ name }) }).then((r) => r.json() as Promise<{ room_id: string }>);
    // A crashed run: its user's device is gone with the crashed process (no device seen since).
    const crashed = threeHoursAgo();
    const u = await new UserFactory(Deployment.of(target).instance, crashed, new Ledger(join(dir, "nowhere", "ledger.jsonl"))).create("orphan");
    const room = await createRoom(u.accessToken, `mxa-${crashed} orphan`);
    await admin.request("DELETE", `_synapse/admin/v2/users/${encodeURIComponent(u.userId)}/devices/${encodeURIComponent(u.deviceId)}`);
    // A long-running canary: started three hours ago, its device active now.
    const canaryRun = threeHoursAgo();
    const canary = await new UserFactory(Deployment.of(target).instance, canaryRun, new Ledger(join(dir, "nowhere", "l3.jsonl"))).create("canary");
    const canaryRoom = await createRoom(canary.accessToken, `mxa-${canaryRun} canary`);
    const recent = await new UserFactory(Deployment.of(target).instance, newRunId(), new Ledger(join(dir, "nowhere", "l2.jsonl"))).create("inflight");

    const clean = await mxaccept(["cleanup", "--stale", "--older-than", "2h"], env);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(await live(`mxa-${crashed}-`)).toHaveLength(0);
    expect(await admin.room(room.room_id)).toBeUndefined();
    expect((await admin.getUser(recent.userId))?.deactivated, "a run younger than --older-than is left alone").toBe(false);
    expect((await admin.getUser(canary.userId))?.deactivated, "an old run whose user is active is left alone").toBe(false);
    expect(await admin.room(canaryRoom.room_id), "the active run's room is kept").toBeDefined();
    expect(clean.stdout).toContain(`spared run ${canaryRun}`);
  });

  /** Users, rooms and media of a run that are still there (users active, rooms present, media not deleted). */
  const leftovers = async (runId: string, ledgerFile: string) => {
    const ledger = Ledger.read(ledgerFile);
    const users = ledger.filter((e) => e.kind === "user").map((e) => e.id);
    const rooms = ledger.filter((e) => e.kind === "room").map((e) => e.id);
    const left: string[] = (await live(`mxa-${runId}-`)).map((u) => u.name);
    for (const r of rooms) if (await admin.room(r)) left.push(r);
    for (const u of users) {
      const media = await admin.request<{ total: number }>("GET", `_synapse/admin/v1/users/${encodeURIComponent(u)}/media`, { accept: [404] });
      if (media.status === 200 && media.body.total > 0) left.push(`${media.body.total} media of ${u}`);
    }
    return { users, rooms, left };
  };

  it("a full security run leaves no secret in its report folder and nothing on the instance", { timeout: 300_000 }, async () => {
    const reports = join(dir, "reports-secrets");
    const run = await mxaccept(["run", "--suite", "security"], { ...env, MXACCEPT_REPORTS_DIR: reports });
    expect(run.code, run.stderr).toBe(0);
    const [runId] = readdirSync(reports);
    const found = secretsIn(join(reports, runId!), readFileSync(targetFile, "utf8"));
    expect(found.checked.files).toBeGreaterThan(5);
    expect(found.checked.secrets).toBeGreaterThanOrEqual(6);
    expect(found.hits, "secrets in the report folder").toEqual([]);
    const { users, rooms, left } = await leftovers(runId!, join(reports, runId!, "ledger.jsonl"));
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(rooms.length).toBeGreaterThanOrEqual(1);
    expect(left, "left on the instance after the run's cleanup").toEqual([]);
  });

  it("a run killed mid-way (SIGKILL, no cleanup of its own) leaves nothing after cleanup --stale", { timeout: 300_000 }, async () => {
    const reports = join(dir, "reports-killed");
    const child = spawn(process.execPath, [join(projectRoot(), "bin", "mxaccept.js"), "run", "--suite", "security"], {
      cwd: projectRoot(),
      env: { ...process.env, ...env, MXACCEPT_REPORTS_DIR: reports },
      stdio: "ignore",
      detached: true, // its own process group: the kill takes the Playwright workers with it
    });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const ledgerFile = await waitFor("the run to record users and a room", async () => {
      const [runId] = readdirSync(reports).filter((n) => n !== ".tmp");
      if (!runId) return undefined;
      const f = join(reports, runId, "ledger.jsonl");
      const l = Ledger.read(f);
      return l.filter((e) => e.kind === "user").length >= 3 && l.some((e) => e.kind === "room") ? f : undefined;
    }, { timeoutMs: 120_000, intervalMs: 100 }).catch(async (e) => {
      process.kill(-child.pid!, "SIGKILL");
      throw e;
    });
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    const runId = ledgerFile.split("/").at(-2)!;
    expect((await leftovers(runId, ledgerFile)).left.length, "the killed run left data behind").toBeGreaterThan(0);
    expect(processesMentioning(reports), "processes of the killed run").toEqual([]);

    const clean = await mxaccept(["cleanup", "--stale", "--older-than", "0s"], env);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect((await leftovers(runId, ledgerFile)).left, "left after cleanup --stale").toEqual([]);
  });

  it("a target not marked MXACCEPT_DESTRUCTIVE=allow gets no destructive check (the 1 GB quota fill)", { timeout: 180_000 }, async () => {
    const deny = join(dir, "deny.env");
    writeFileSync(deny, readFileSync(targetFile, "utf8").replace(/^MXACCEPT_DESTRUCTIVE=.*$/m, "MXACCEPT_DESTRUCTIVE=deny"));
    const reports = join(dir, "reports-deny");
    const run = await mxaccept(["run", "--target", deny, "--profile", "vodafone-secure-messenger", "--suite", "storage", "--grep", "VSM-2\\.2\\.storage"], { ...env, MXACCEPT_REPORTS_DIR: reports });
    expect(run.code, run.stderr).toBe(0);
    const [runId] = readdirSync(reports);
    const results = JSON.parse(readFileSync(join(reports, runId!, "results.json"), "utf8")) as Results;
    const quota = results.requirements.find((r) => r.id === "VSM-2.2.storage")!;
    expect(quota.status).toBe("skipped");
    expect(quota.reason).toMatch(/needs MXACCEPT_DESTRUCTIVE=allow/);
    // Only the pre-flight's capability probe (a run-tagged user and two rooms, removed by the run's cleanup).
    expect(Ledger.read(join(reports, runId!, "ledger.jsonl")).filter((e) => !e.test?.startsWith("pre-flight")), "nothing was created by a check").toEqual([]);
  });

  it("wrong credentials and an untrusted certificate: one line each, non-zero exit, nothing left running", { timeout: 120_000 }, async () => {
    const base = readFileSync(targetFile, "utf8");
    const target = loadTarget(targetFile);
    const plain = await new UserFactory(Deployment.of(target).instance, newRunId(), new Ledger(join(dir, "nowhere", "l3.jsonl"))).create("plain");
    const variant = (name: string, edit: (t: string) => string) => {
      const f = join(dir, `${name}.env`);
      writeFileSync(f, edit(base));
      return f;
    };
    const cases: [string, string, RegExp][] = [
      ["a wrong admin token", variant("wrong-token", (t) => t.replace(/^MXACCEPT_ADMIN_TOKEN=.*$/m, "MXACCEPT_ADMIN_TOKEN=syt_d3Jvbmc_wrongwrongwrong_000000")), /MXACCEPT_ADMIN_TOKEN is refused by https:\/\/localhost:\d+ \(401 M_UNKNOWN_TOKEN\): put a valid admin access token/],
      ["a normal user's token as admin token", variant("user-token", (t) => t.replace(/^MXACCEPT_ADMIN_TOKEN=.*$/m, `MXACCEPT_ADMIN_TOKEN=${plain.accessToken}`)), /MXACCEPT_ADMIN_TOKEN belongs to @mxa-.*, who is not a server admin: use an admin's token/],
      ["a wrong shared secret", variant("wrong-secret", (t) => t.replace(/^MXACCEPT_ADMIN_TOKEN=.*$/m, "MXACCEPT_ADMIN_TOKEN=").replace(/^MXACCEPT_REGISTRATION_SHARED_SECRET=.*$/m, "MXACCEPT_REGISTRATION_SHARED_SECRET=not-the-secret-at-all")), /MXACCEPT_REGISTRATION_SHARED_SECRET is refused by https:\/\/localhost:\d+ \(403 M_\w+\): put the instance's registration_shared_secret/],
      ["no CA for a private certificate", variant("no-ca", (t) => t.replace(/^MXACCEPT_CA_FILE=.*$/m, "")), /is not reachable \(.*(CERT|certificate|SELF_SIGNED|VERIFY).*\): set MXACCEPT_CA_FILE to the CA that signed its certificate/],
    ];
    for (const [what, file, message] of cases) {
      const reports = join(dir, `reports-${what.replace(/\W+/g, "-")}`);
      const r = await mxaccept(["run", "--target", file, "--suite", "security"], { ...env, MXACCEPT_REPORTS_DIR: reports });
      const line = expectOneLineError(r, message);
      console.log(`bad input | ${what} | mxaccept run --target ${file.replaceAll(dir, "$TMP")} | exit ${r.code} | ${line.replace(plain.accessToken, "<user token>")}`);
      expect(processesMentioning(reports), what).toEqual([]);
    }
  });
});
