import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTarget, type Target } from "../src/config/target.ts";
import { Deployment } from "../src/matrix/deployment.ts";
import { trustCa } from "../src/config/trust.ts";
import { Ledger } from "../src/matrix/ledger.ts";
import { newRunId, runTag } from "../src/config/run-id.ts";
import { UserFactory } from "../src/matrix/users.ts";
import { passwordLogin, randomPassword } from "../src/matrix/login.ts";
import { requestJson } from "../src/matrix/http.ts";
import { randomBytes } from "node:crypto";
import { mxaccept } from "./helpers/cli.ts";
import { startSplitProxy } from "./helpers/split-proxy.ts";

/**
 * Cleanup leaves nothing it can remove, on every server: after a BuM run of the federation and messaging suites
 * against the embedded hs1/hs2/hs3 (kept with --keep-data, so the test can first see what the run left where),
 * `cleanup --run` removes every room of the run on every server that holds a copy (the partner's copy of the
 * federated room too, which Synapse records without a creator), every local file of the run and every cached copy
 * another server fetched; all checked through each server's admin API.
 */
interface Holdings {
  /** server → ids of the run's rooms it holds (ledger rooms and rooms named with the run's tag). */
  rooms: Map<string, string[]>;
  /** server → mxc URIs of the run's files it holds: its own uploads and cached copies of the others'. */
  media: Map<string, string[]>;
}

async function holdings(target: Target, runId: string, ledgerFile: string, knownMedia: Set<string>): Promise<Holdings> {
  const ledger = Ledger.read(ledgerFile);
  const ledgerRooms = ledger.filter((e) => e.kind === "room").map((e) => e.id);
  const out: Holdings = { rooms: new Map(), media: new Map() };
  const servers = Deployment.of(target).servers();
  // Every local upload of the run's users, on each server (their user ids come from the ledger and the user list).
  for (const d of servers) {
    const admin = d.admin();
    const users = new Set(ledger.filter((e) => e.kind === "user" && e.server === d.serverName).map((e) => e.id));
    for (const u of await admin.listUsers({ name: runTag(runId), deactivated: true })) users.add(u.name);
    for (const u of users) for (const id of await admin.userMediaIds(u)) knownMedia.add(`mxc://${d.serverName}/${id}`);
  }
  for (const d of servers) {
    const admin = d.admin();
    const rooms = new Set<string>();
    for (const r of ledgerRooms) if (await admin.room(r)) rooms.add(r);
    for (const r of await admin.searchRooms(runTag(runId))) rooms.add(r.room_id);
    out.rooms.set(d.serverName, [...rooms]);
    const media: string[] = [];
    for (const mxc of knownMedia) {
      const [, origin, id] = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxc)!;
      if (await admin.mediaInfo(origin!, id!)) media.push(mxc);
    }
    out.media.set(d.serverName, media);
  }
  return out;
}

const count = (m: Map<string, string[]>) => Object.fromEntries([...m].map(([s, v]) => [s, v.length]));

describe("cleanup across federation", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-fedclean-"));
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  let target: Target;

  beforeAll(async () => {
    const up = await mxaccept(["stack", "up"], env);
    expect(up.code, up.stderr).toBe(0);
    target = loadTarget(join(dir, "state", "target.env"));
    trustCa(target.caFile!);
  }, 240_000);
  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  it("where the admin API answers only on its own host: cleanup --stale, load and probe send no admin request to the public URL, and a probe that fails mid-way removes its users", { timeout: 400_000 }, async () => {
    const proxy = await startSplitProxy(target.baseUrl, target.caFile!);
    const broken = await startSplitProxy(target.baseUrl, target.caFile!, [/\/_matrix\/client\/v3\/createRoom/]);
    try {
      const text = readFileSync(join(dir, "state", "target.env"), "utf8");
      const variant = (name: string, edit: (t: string) => string) => {
        const f = join(dir, `${name}.env`);
        writeFileSync(f, edit(text));
        return f;
      };
      const publicOnly = (url: string) => (t: string) => t.replace(/^MXACCEPT_BASE_URL=.*$/m, `MXACCEPT_BASE_URL=${url}`).replace(/^MXACCEPT_ADMIN_BASE_URL=.*$/m, "");
      const split = variant("split", (t) => `${publicOnly(proxy.url)(t)}MXACCEPT_ADMIN_BASE_URL=${target.baseUrl}\n`);
      const misrouted = variant("misrouted", publicOnly(proxy.url));
      const brokenSplit = variant("broken", (t) => `${publicOnly(broken.url)(t)}MXACCEPT_ADMIN_BASE_URL=${target.baseUrl}\n`);
      const [hs1] = Deployment.of(target).servers();
      const admin = hs1!.admin();

      // A stale run (three hours old, its device gone) for cleanup --stale to find.
      const staleRun = newRunId(new Date(Date.now() - 3 * 3600_000));
      const stale = await new UserFactory(Deployment.of(target).instance, staleRun, new Ledger(join(dir, "nowhere", "l.jsonl"))).create("stale");
      await admin.request("DELETE", `_synapse/admin/v2/users/${encodeURIComponent(stale.userId)}/devices/${encodeURIComponent(stale.deviceId)}`);

      // The other direction first: without MXACCEPT_ADMIN_BASE_URL the admin requests go to the public URL and fail.
      const wrong = await mxaccept(["cleanup", "--stale", "--target", misrouted], env);
      expect(wrong.code, wrong.stdout + wrong.stderr).not.toBe(0);
      expect(wrong.code, "not a crash").not.toBe(70);
      expect((await admin.getUser(stale.userId))?.deactivated).toBe(false);
      proxy.seen.length = 0;

      const clean = await mxaccept(["cleanup", "--stale", "--target", split], env);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect((await admin.getUser(stale.userId))?.deactivated, "the stale user is removed").toBe(true);
      const load = await mxaccept(["load", "--target", split, "--scenario", "send", "--rate", "5", "--duration", "2s", "--warmup", "1s", "--users", "3"], env);
      expect(load.code, load.stdout + load.stderr).toBe(0);
      const probe = await mxaccept(["probe", "--target", split, "--interval", "2s", "--duration", "5s", "--out", join(dir, "probe.jsonl")], env);
      expect(probe.code, probe.stdout + probe.stderr).toBe(0);
      expect(proxy.seen.filter((p) => p.includes("/_synapse/admin")), "admin requests sent to the public client URL").toEqual([]);
      expect(proxy.seen.length, "the client API was used through the public URL").toBeGreaterThan(10);
      const probeRun = /cleanup --run (\S+)'/.exec(probe.stdout)?.[1];
      expect(probeRun).toBeDefined();
      expect((await mxaccept(["cleanup", "--run", probeRun!, "--target", split], env)).code).toBe(0);

      // A probe whose canary room cannot be created: it fails, and leaves no active user behind.
      const failed = await mxaccept(["probe", "--target", brokenSplit, "--interval", "2s", "--duration", "4s", "--out", join(dir, "probe-broken.jsonl")], env);
      expect(failed.code, failed.stdout + failed.stderr).not.toBe(0);
      const canaries = (await admin.listUsers({ name: "canary-sender" })).concat(await admin.listUsers({ name: "canary-receiver" }));
      expect(canaries.map((u) => u.name), "active canary users after the failed probe").toEqual([]);
      console.log(`failed probe: exit ${failed.code}: ${failed.stderr.trim().split("\n").at(-1)}`);
    } finally {
      await proxy.close();
      await broken.close();
    }
  });

  it("a room of the run that has a member from outside the run is kept: the run's users leave it", { timeout: 180_000 }, async () => {
    const [hs1] = Deployment.of(target).servers();
    const admin = hs1!.admin();
    const runId = newRunId();
    const ledger = new Ledger(join(dir, "reports", runId, "ledger.jsonl"));
    const factory = new UserFactory(Deployment.of(target).instance, runId, ledger);
    const owner = await factory.create("owner");
    const mate = await factory.create("mate");
    // Someone who is not part of the run (no run tag), e.g. a real user a tester invited.
    const keeperId = `@keeper-${randomBytes(4).toString("hex")}:${hs1!.serverName}`;
    const password = randomPassword();
    await admin.putUser(keeperId, { password, displayname: "Keeper" });
    const keeper = await passwordLogin(target.baseUrl, { type: "m.id.user", user: keeperId.slice(1).split(":")[0]! }, password);
    const make = async (name: string, members: { userId: string; accessToken: string }[]) => {
      const { body } = await requestJson<{ room_id: string }>(target.baseUrl, "POST", "_matrix/client/v3/createRoom", { token: owner.accessToken, body: { name: `${runTag(runId)}${name}`, invite: members.map((m) => m.userId) } });
      ledger.record({ kind: "room", id: body.room_id, server: hs1!.serverName });
      for (const m of members) await requestJson(target.baseUrl, "POST", `_matrix/client/v3/join/${encodeURIComponent(body.room_id)}`, { token: m.accessToken, body: {} });
      return body.room_id;
    };
    const shared = await make("shared", [mate, { userId: keeper.user_id, accessToken: keeper.access_token }]);
    const own = await make("own", [mate]);
    try {
      const clean = await mxaccept(["cleanup", "--run", runId], env);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect(await admin.room(own), "the run's own room is purged").toBeUndefined();
      expect(await admin.room(shared), "the room with an outside member is kept").toBeDefined();
      expect(await admin.roomMembers(shared), "only the outside member is still in it (the run's users left)").toEqual([keeper.user_id]);
      expect(clean.stdout).toMatch(/1 rooms purged, .* 1 rooms left to outside members/);
      expect(clean.stdout).toContain(`remains: room ${shared}: kept, 1 member(s) from outside the run (e.g. ${keeper.user_id})`);
    } finally {
      await admin.deleteRoom(shared);
      await admin.deactivate(keeperId, true);
    }
  });

  it("after a BuM run of federation and messaging, no room of the run and no run media remains on hs1, hs2 or hs3", { timeout: 1_500_000 }, async () => {
    const run = await mxaccept(["run", "--suite", "federation,messaging", "--keep-data"], env, 1_200_000);
    const runId = /^run (\S+): profile/m.exec(run.stderr)?.[1];
    expect(runId, run.stderr).toBeDefined();
    expect(readdirSync(join(dir, "reports"))).toContain(runId);
    const ledgerFile = join(dir, "reports", runId!, "ledger.jsonl");
    const known = new Set<string>();

    const before = await holdings(target, runId!, ledgerFile, known);
    console.log(`before cleanup: rooms per server ${JSON.stringify(count(before.rooms))}, run files per server ${JSON.stringify(count(before.media))}`);
    // The precondition that makes this test able to fail: the partner holds a copy of a room of the run that it
    // did not create, and cached files of the run that were uploaded on another server.
    const [hs1, hs2] = Deployment.of(target).servers();
    expect(before.rooms.get(hs2!.serverName)!.filter((r) => before.rooms.get(hs1!.serverName)!.includes(r)).length, "the partner holds a copy of a federated room of the run").toBeGreaterThan(0);
    expect(before.media.get(hs2!.serverName)!.filter((m) => !m.startsWith(`mxc://${hs2!.serverName}/`)).length, "the partner cached a file uploaded on hs1").toBeGreaterThan(0);
    expect(before.media.get(hs1!.serverName)!.filter((m) => !m.startsWith(`mxc://${hs1!.serverName}/`)).length, "hs1 cached a file uploaded on the partner").toBeGreaterThan(0);

    const t0 = performance.now();
    const clean = await mxaccept(["cleanup", "--run", runId!], env, 600_000);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`cleanup --run in ${seconds.toFixed(1)} s:\n${clean.stdout}`);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    const after = await holdings(target, runId!, ledgerFile, known);
    const left = [...after.rooms].flatMap(([s, rooms]) => rooms.map((r) => `room ${r} on ${s}`))
      .concat([...after.media].flatMap(([s, media]) => media.map((m) => `${m} on ${s}`)));
    expect(left, "left on the three servers after cleanup").toEqual([]);
    expect(clean.stdout, "per-server counts").toMatch(new RegExp(`${hs2!.serverName.replace(/[.:]/g, "\\$&")}: \\d+ users deactivated and erased, [1-9]\\d* rooms purged, \\d+ media deleted, [1-9]\\d* cached remote media deleted`));
  });
});
