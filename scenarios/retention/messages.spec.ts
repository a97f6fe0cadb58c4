import { test, expect, evidence, type Member } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import { requestJson, serverClock } from "../../src/matrix/http.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";
import { retentionPlan, auditLimits, auditMessages } from "../../src/checks/retention-audit.ts";
import type { AdminClient } from "../../src/matrix/admin.ts";
import type { TestUser } from "../../src/matrix/users.ts";
import { configProof, auditVerdict, auditProof, AUDIT_SAMPLE } from "./proofs.ts";

const DAY = 86_400_000;
const served = async (u: TestUser, roomId: string, eventId: string) =>
  (await requestJson(u.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`, { token: u.accessToken, accept: [404] })).status === 200;
const stored = async (admin: AdminClient, eventId: string) =>
  (await admin.request("GET", `_synapse/admin/v1/fetch_event/${encodeURIComponent(eventId)}`, { accept: [404] })).status === 200;
const servedToAll = async (members: Member[], roomId: string, eventId: string) => (await Promise.all(members.map((m) => served(m.user, roomId, eventId)))).every(Boolean);
const servedToNone = async (members: Member[], roomId: string, eventId: string) => !(await Promise.all(members.map((m) => served(m.user, roomId, eventId)))).some(Boolean);

// @exclusive: at time scale 1 the live check moves hs1's history a year back, which lets the purge job trim older
// events of other rooms: `mxaccept run` runs it after every other check, alone (playwright.config.ts).
test("BUM-2.5.messages VSM-2.2.retention a message past its lifetime is no longer served to any member and is then purged; a younger message survives (live on the reference; config, else audit, on a target)", { tag: "@exclusive" }, async ({ profile, target, admin, users, clients, rooms, reference }, testInfo) => {
  const id = profile.id === "vodafone-secure-messenger" ? "VSM-2.2.retention" : "BUM-2.5.messages";
  const haveConfig = await test.step("config: the instance's retention settings against the contract", () => configProof(testInfo, target, profile, "messages", id));

  if (!reference) {
    // A staging target cannot be made to wait a year: audit what it stores, read-only, with the admin API.
    const limitMs = auditLimits(profile).messagesMs;
    const t0 = Date.now();
    const a = await test.step("audit: messages stored past the lifetime (admin API, sampled rooms)", () => auditMessages(admin, limitMs, Date.now(), AUDIT_SAMPLE));
    const c = auditVerdict(testInfo, a.oldestRoomTs, limitMs, "room", haveConfig);
    await evidence(testInfo, { requirement: id, ...auditProof(c.conclusive, a.violations.length, haveConfig), limitDays: limitMs / DAY, roomsTotal: a.roomsTotal, sampleSize: a.sample, pagesRead: a.pagesRead, violationCount: a.violations.length, violations: a.violations.slice(0, 20), keptPurgePointCount: a.keptPurgePoint.length, keptPurgePoint: a.keptPurgePoint.slice(0, 20), conclusive: c.conclusive, note: c.note, auditMs: Date.now() - t0 });
    expect(a.violations.slice(0, 5), `messages stored longer than ${limitMs / DAY} days (${a.violations.length} rooms of ${a.sample} sampled)`).toEqual([]);
    return;
  }

  // Live, on the reference instance, in an encrypted group room.
  const plan = retentionPlan(profile, target.timeScale);
  const [ua, ub] = await Promise.all([users.create("alice"), users.create("bob")]);
  const alice = { user: ua, client: await clients.start(ua) };
  const bob = { user: ub, client: await clients.start(ub) };
  const members = [alice, bob];
  const roomId = await rooms.group(alice, [bob]);

  if (plan.live === "natural") {
    const old = await send(alice, roomId, { msgtype: "m.text", body: "Diese Nachricht läuft ab." });
    const [oldCopy] = await everyoneDecrypts([bob], roomId, old);
    // Time-scaled: the lifetime is seconds long; half a lifetime later a second message, which must outlive the first.
    // The server decides expiry by its own clock from the stored timestamp: the second message waits until the
    // server's clock shows the first one half a lifetime old.
    const sentAt = oldCopy!.getTs();
    const expiresAt = sentAt + plan.lifetimeMs;
    await waitFor("the server's clock to show the first message half a lifetime old", async (p) => {
      const age = (await serverClock(ua.baseUrl)) - sentAt;
      if (age >= plan.lifetimeMs / 2) return true;
      p.note(`${age} ms old by the server's clock`);
      return undefined;
    }, { timeoutMs: plan.lifetimeMs, intervalMs: 250 });
    const young = await send(alice, roomId, { msgtype: "m.text", body: "Diese Nachricht ist jünger." });
    await everyoneDecrypts([bob], roomId, young);
    expect(await served(ub, roomId, old), "before its expiry the first message is served").toBe(true);

    const deadline = plan.lifetimeMs + 5 * plan.purgeIntervalMs + 30_000;
    await waitFor("the expired message to be served to no member", async () => ((await servedToNone(members, roomId, old)) ? true : undefined), { timeoutMs: deadline, intervalMs: 250 });
    const notServedAt = Date.now();
    expect(await served(ub, roomId, young), "the younger message is still served").toBe(true);
    await waitFor("the expired message to be purged from the server", async () => ((await stored(admin, old)) ? undefined : true), { timeoutMs: 5 * plan.purgeIntervalMs + 30_000, intervalMs: 250 });
    const purgedAt = Date.now();
    expect(await stored(admin, young), "the younger message is still stored").toBe(true);
    await evidence(testInfo, { requirement: id, proof: "live", how: "time-scaled", timeScale: target.timeScale, lifetimeMs: plan.lifetimeMs, purgeIntervalMs: plan.purgeIntervalMs, expired: old, survived: young, expiryToNotServedMs: notServedAt - expiresAt, expiryToPurgedMs: purgedAt - expiresAt });
    return;
  }

  // Time scale 1: the contract's lifetime. hs1's backdating endpoint (reference only) sends two messages as alice
  // with old timestamps, one a lifetime and a day old, one a day short of its lifetime, and moves the stored
  // history before each back to its time; then alice sends a new one. Hiding and purging are the instance's: the
  // first must go, the second (still within its lifetime) and the new one stay.
  const now = Date.now();
  const oldTs = now - plan.lifetimeMs - DAY;
  const keptTs = now - plan.lifetimeMs + DAY;
  const backdated = async (ts: number, body: string) => (await admin.request<{ event_id: string; origin_server_ts: number; events_moved: number }>("POST", "_synapse/client/mxaccept/backdate", { body: { room_id: roomId, sender: ua.userId, ts, content: { msgtype: "m.text", body } } })).body;
  const oldEv = await backdated(oldTs, "Diese Nachricht ist älter als ihre Lebensdauer.");
  const keptEv = await backdated(keptTs, "Diese Nachricht ist fast ein Lebensalter alt.");
  const old = oldEv.event_id;
  const kept = keptEv.event_id;
  expect(oldEv.origin_server_ts, "the instance stored the old message with its old time").toBe(oldTs);
  const young = await send(alice, roomId, { msgtype: "m.text", body: "Diese Nachricht ist neu." });
  await everyoneDecrypts([bob], roomId, young);
  // (The endpoint answers once the old message is persisted; the purge job may take it from then on.)

  const t0 = Date.now();
  await waitFor("the message past its lifetime to be served to no member", async () => ((await servedToNone(members, roomId, old)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 250 });
  const hiddenAfterMs = Date.now() - t0;
  expect(await servedToAll(members, roomId, kept), `the message ${(plan.lifetimeMs - DAY) / DAY} days old (within its lifetime) is served`).toBe(true);
  expect(await servedToAll(members, roomId, young), "the new message is served").toBe(true);
  await waitFor("the message past its lifetime to be purged by the instance's purge job", async () => ((await stored(admin, old)) ? undefined : true), { timeoutMs: 3 * plan.purgeIntervalMs + 30_000, intervalMs: 500 });
  const purgedAfterMs = Date.now() - t0;
  expect(await stored(admin, kept), "the message within its lifetime is still stored").toBe(true);
  expect(await stored(admin, young), "the new message is still stored").toBe(true);
  expect(await servedToAll(members, roomId, kept), "the message within its lifetime is still served after the purge").toBe(true);

  await evidence(testInfo, {
    requirement: id,
    proof: "live",
    how: "backdated",
    timeScale: target.timeScale,
    lifetimeDays: plan.lifetimeMs / DAY,
    purgeIntervalMs: plan.purgeIntervalMs,
    purged: { eventId: old, ageDays: (now - oldTs) / DAY },
    kept: [{ eventId: kept, ageDays: (now - keptTs) / DAY }, { eventId: young, ageDays: 0 }],
    eventsMovedBack: oldEv.events_moved + keptEv.events_moved,
    hiddenAfterMs,
    purgedAfterMs,
  });
});
