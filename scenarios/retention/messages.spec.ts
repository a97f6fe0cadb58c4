import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";
import { retentionPlan, auditMessages, type StoredMessage } from "../../src/report/retention.ts";
import type { AdminClient } from "../../src/matrix/admin.ts";
import type { TestUser } from "../../src/matrix/users.ts";

const served = async (u: TestUser, roomId: string, eventId: string) =>
  (await requestJson(u.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`, { token: u.accessToken, accept: [404] })).status === 200;
const stored = async (admin: AdminClient, eventId: string) =>
  (await admin.request("GET", `_synapse/admin/v1/fetch_event/${encodeURIComponent(eventId)}`, { accept: [404] })).status === 200;

test("BUM-2.5.messages VSM-2.2.retention a message past its lifetime is no longer served to any member and is then purged; a younger message survives", async ({ profile, target, admin, users, clients, rooms }, testInfo) => {
  const plan = retentionPlan(profile, target.timeScale);
  if (plan.mode === "audit") {
    // A staging target cannot be made to wait a year: audit what it stores, read-only, with the admin API.
    const messages: StoredMessage[] = [];
    let from: number | undefined = 0;
    let roomsSeen = 0;
    while (from !== undefined) {
      const page: { body: { rooms: { room_id: string }[]; next_batch?: number } } = await admin.request("GET", "_synapse/admin/v1/rooms", { query: { from, limit: 100 } });
      for (const r of page.body.rooms) {
        roomsSeen++;
        const latest = (await admin.roomMessages(r.room_id, 1))[0]?.event_id;
        const { body } = await admin.request<{ chunk: { event_id: string; origin_server_ts: number; state_key?: string }[] }>("GET", `_synapse/admin/v1/rooms/${encodeURIComponent(r.room_id)}/messages`, { query: { dir: "f", limit: 20 } });
        for (const e of body.chunk) if (e.state_key === undefined) messages.push({ roomId: r.room_id, eventId: e.event_id, ts: e.origin_server_ts, latestInRoom: e.event_id === latest });
      }
      from = page.body.next_batch;
    }
    const found = auditMessages(messages, plan.auditLimitMs, Date.now());
    await evidence(testInfo, { requirement: "BUM-2.5.messages", mode: "audit", limitDays: plan.auditLimitMs / 86_400_000, roomsAudited: roomsSeen, oldestPerRoomChecked: messages.length, violations: found.violations, keptLatestHidden: found.keptLatest });
    expect(found.violations, `messages stored longer than ${plan.auditLimitMs / 86_400_000} days`).toEqual([]);
    return;
  }

  // Live, on the time-scaled reference instance: the lifetime is seconds long.
  const [a, b] = await Promise.all([users.create("alice"), users.create("bob")]);
  const alice = { user: a, client: await clients.start(a) };
  const bob = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(alice, [bob]);
  const old = await send(alice, roomId, { msgtype: "m.text", body: "Diese Nachricht läuft ab." });
  const [oldCopy] = await everyoneDecrypts([bob], roomId, old);
  const sentAt = oldCopy!.getTs();
  const expiresAt = sentAt + plan.lifetimeMs;

  // Half a lifetime later a second message: it must outlive the first.
  await waitFor("the first message to be half a lifetime old", async () => (Date.now() >= sentAt + plan.lifetimeMs / 2 ? true : undefined), { timeoutMs: plan.lifetimeMs });
  const young = await send(alice, roomId, { msgtype: "m.text", body: "Diese Nachricht ist jünger." });
  await everyoneDecrypts([bob], roomId, young);
  expect(await served(b, roomId, old), "before its expiry the first message is served").toBe(true);

  const deadline = plan.lifetimeMs + 5 * plan.purgeIntervalMs + 30_000;
  await waitFor("the expired message to be served to no member", async () => (!(await served(a, roomId, old)) && !(await served(b, roomId, old)) ? true : undefined), { timeoutMs: deadline, intervalMs: 250 });
  const notServedAt = Date.now();
  expect(await served(b, roomId, young), "the younger message is still served").toBe(true);

  await waitFor("the expired message to be purged from the server", async () => ((await stored(admin, old)) ? undefined : true), { timeoutMs: 5 * plan.purgeIntervalMs + 30_000, intervalMs: 250 });
  const purgedAt = Date.now();
  expect(await stored(admin, young), "the younger message is still stored").toBe(true);

  await evidence(testInfo, {
    requirement: "BUM-2.5.messages",
    mode: "live",
    timeScale: target.timeScale,
    lifetimeMs: plan.lifetimeMs,
    purgeIntervalMs: plan.purgeIntervalMs,
    expired: old,
    survived: young,
    expiryToNotServedMs: notServedAt - expiresAt,
    expiryToPurgedMs: purgedAt - expiresAt,
  });
});
