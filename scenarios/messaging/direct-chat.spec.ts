import { randomUUID } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { syncUntil, membershipIs, roomIsEncrypted, decryptedEventById, allOf } from "../../src/matrix/sync.ts";

test("BUM-2.1.a1 direct chat between two persons: encrypted, a message each way, both decrypt", async ({ users, clients, rooms, tag, capabilities }, testInfo) => {
  const alice = await users.create("alice");
  const bob = await users.create("bob");
  const [ca, cb] = await Promise.all([clients.start(alice), clients.start(bob)]);

  // A direct chat as clients create one: where the server is known not to encrypt direct chats by default, the
  // client asks for encryption in the initial state, as Element does. Whether the server's own default is right
  // is BUM-2.1.d's check ("encrypted by the server's default"), not this one's.
  const serverDefault = capabilities?.instance.encryptionByDefault.direct.present;
  const roomId = await rooms.create({ user: alice, client: ca }, { isDirect: true, invite: [bob.userId], name: `${tag} direct` });

  // The room's state on the server, as its member reads it: Megolm.
  const state = await requestJson<{ algorithm?: string }>(alice.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.encryption/`, { token: alice.accessToken, accept: [404] });
  const encryption = state.status === 200 ? state.body : undefined;
  expect(encryption?.algorithm, `m.room.encryption in the state of the direct chat (${serverDefault === false ? "requested by the client" : "by the server's default"})`).toBe("m.megolm.v1.aes-sha2");

  const invite = await syncUntil(cb, membershipIs(roomId, bob.userId, "invite"));
  expect(invite).toBe(true);
  expect(cb.getRoom(roomId)?.getMember(bob.userId)?.events.member?.getContent().is_direct, "the invite reaches bob marked as a direct chat").toBe(true);
  await cb.joinRoom(roomId);
  await syncUntil(ca, allOf(membershipIs(roomId, bob.userId, "join"), roomIsEncrypted(roomId)));
  await syncUntil(cb, roomIsEncrypted(roomId));

  const toBob = `Hallo Bob 👋 ${randomUUID()}`;
  const sent1 = await ca.sendTextMessage(roomId, toBob);
  const atBob = await syncUntil(cb, decryptedEventById(roomId, sent1.event_id));
  expect(atBob.getWireType(), "what the server delivered to bob").toBe("m.room.encrypted");
  expect(atBob.getContent().body, "bob decrypts alice's message").toBe(toBob);

  const toAlice = `Hallo Alice 🙂 ${randomUUID()}`;
  const sent2 = await cb.sendTextMessage(roomId, toAlice);
  const atAlice = await syncUntil(ca, decryptedEventById(roomId, sent2.event_id));
  expect(atAlice.getWireType(), "what the server delivered to alice").toBe("m.room.encrypted");
  expect(atAlice.getContent().body, "alice decrypts bob's message").toBe(toAlice);

  await evidence(testInfo, {
    requirement: "BUM-2.1.a1",
    roomId,
    users: [alice.userId, bob.userId],
    encryption,
    encryptedBy: serverDefault === false ? "client (initial_state): the server does not encrypt direct chats by default" : "server default",
    events: [
      { eventId: sent1.event_id, from: alice.userId, decryptedBy: bob.userId, wireType: atBob.getWireType() },
      { eventId: sent2.event_id, from: bob.userId, decryptedBy: alice.userId, wireType: atAlice.getWireType() },
    ],
  });
});
