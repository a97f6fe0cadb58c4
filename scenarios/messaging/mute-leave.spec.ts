import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send } from "../../fixtures/chat.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { rawSync, rawSyncUntil } from "../../src/matrix/raw-sync.ts";

test("BUM-2.1.f a muted room gives no notification counts while another room does, and after leaving nothing more is delivered", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["alice", "bob", "carol"].map((n) => users.create(n)));
  const [alice, bob, carol] = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const muted = await rooms.group(alice!, [bob!], { name: "stumm" });
  const loud = await rooms.group(alice!, [bob!, carol!], { name: "laut" });

  // Bob mutes one room the way Element does: a room-specific override push rule without actions.
  const b = bob!.user;
  await requestJson(b.baseUrl, "PUT", `_matrix/client/v3/pushrules/global/override/${encodeURIComponent(muted)}`, {
    token: b.accessToken,
    body: { conditions: [{ kind: "event_match", key: "room_id", pattern: muted }], actions: [] },
  });
  const { since } = await rawSyncUntil(b, "the initial sync", () => true);

  const inMuted = await send(alice!, muted, { msgtype: "m.text", body: "Nachricht im stummen Raum" });
  const inLoud = await send(alice!, loud, { msgtype: "m.text", body: "Nachricht im lauten Raum" });
  const counts: Record<string, number> = {};
  const seen = new Set<string>();
  await rawSyncUntil(b, "both messages arrived and the unmuted room counts a notification", (res) => {
    for (const [roomId, r] of Object.entries(res.rooms?.join ?? {})) {
      if (r.unread_notifications?.notification_count !== undefined) counts[roomId] = r.unread_notifications.notification_count;
      for (const e of r.timeline?.events ?? []) seen.add(e.event_id);
    }
    return seen.has(inMuted) && seen.has(inLoud) && (counts[loud] ?? 0) >= 1 ? true : undefined;
  }, { since });
  expect(counts[muted] ?? 0, "notification count of the muted room").toBe(0);
  expect(counts[loud], "notification count of the other room").toBeGreaterThanOrEqual(1);

  // Bob leaves the loud room; a message sent after that reaches carol but not bob.
  await bob!.client.leave(loud);
  const { since: afterLeave } = await rawSyncUntil(b, "his leave is synced", (res) => (res.rooms?.leave?.[loud] ? true : undefined), { since });
  const afterId = await send(alice!, loud, { msgtype: "m.text", body: "Nach Bobs Abschied" });
  await everyoneDecrypts([carol!], loud, afterId);
  const next = await rawSync(b, afterLeave, 0);
  expect(JSON.stringify(next).includes(afterId), "bob's sync after leaving carries nothing of the room").toBe(false);
  const direct = await requestJson(b.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(loud)}/event/${encodeURIComponent(afterId)}`, { token: b.accessToken, accept: [403, 404] });
  expect([403, 404], "bob cannot fetch the event directly").toContain(direct.status);

  await evidence(testInfo, { requirement: "BUM-2.1.f", mutedRoom: muted, otherRoom: loud, counts: { muted: counts[muted] ?? 0, other: counts[loud] }, afterLeave: { eventId: afterId, fetchStatus: direct.status } });
});
