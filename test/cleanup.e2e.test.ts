import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTarget } from "../src/config/target.ts";
import { trustCa } from "../src/config/trust.ts";
import { AdminClient } from "../src/matrix/admin.ts";
import { Ledger } from "../src/matrix/ledger.ts";
import { UserFactory } from "../src/matrix/users.ts";
import { newRunId } from "../src/matrix/run-id.ts";
import { mxaccept } from "./helpers/cli.ts";

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
    const rooms = Ledger.read(join(dir, "reports", runId!, "ledger.jsonl")).filter((e) => e.kind === "room").map((e) => e.id);
    expect(await live(`mxa-${runId}-`)).toHaveLength(2);
    expect(rooms).toHaveLength(1);
    expect(await admin.room(rooms[0]!)).toBeDefined();

    const clean = await mxaccept(["cleanup", "--run", runId!], env);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/2 users deactivated and erased, 1 rooms purged/);
    expect(await live(`mxa-${runId}-`)).toHaveLength(0);
    expect(await admin.room(rooms[0]!), "the room is purged").toBeUndefined();
  });

  it("cleanup --stale removes run-tagged users and rooms of a crashed run that left no ledger, and spares an old run that is still active", { timeout: 120_000 }, async () => {
    const target = loadTarget(targetFile);
    const threeHoursAgo = () => newRunId(new Date(Date.now() - 3 * 3600_000));
    const createRoom = (token: string, name: string) => fetch(`${target.baseUrl}/_matrix/client/v3/createRoom`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ name }) }).then((r) => r.json() as Promise<{ room_id: string }>);
    // A crashed run: its user's device is gone with the crashed process (no device seen since).
    const crashed = threeHoursAgo();
    const u = await new UserFactory(target, admin, crashed, new Ledger(join(dir, "nowhere", "ledger.jsonl"))).create("orphan");
    const room = await createRoom(u.accessToken, `mxa-${crashed} orphan`);
    await admin.request("DELETE", `_synapse/admin/v2/users/${encodeURIComponent(u.userId)}/devices/${encodeURIComponent(u.deviceId)}`);
    // A long-running canary: started three hours ago, its device active now.
    const canaryRun = threeHoursAgo();
    const canary = await new UserFactory(target, admin, canaryRun, new Ledger(join(dir, "nowhere", "l3.jsonl"))).create("canary");
    const canaryRoom = await createRoom(canary.accessToken, `mxa-${canaryRun} canary`);
    const recent = await new UserFactory(target, admin, newRunId(), new Ledger(join(dir, "nowhere", "l2.jsonl"))).create("inflight");

    const clean = await mxaccept(["cleanup", "--stale", "--older-than", "2h"], env);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(await live(`mxa-${crashed}-`)).toHaveLength(0);
    expect(await admin.room(room.room_id)).toBeUndefined();
    expect((await admin.getUser(recent.userId))?.deactivated, "a run younger than --older-than is left alone").toBe(false);
    expect((await admin.getUser(canary.userId))?.deactivated, "an old run whose user is active is left alone").toBe(false);
    expect(await admin.room(canaryRoom.room_id), "the active run's room is kept").toBeDefined();
    expect(clean.stdout).toContain(`spared run ${canaryRun}`);
  });
});
