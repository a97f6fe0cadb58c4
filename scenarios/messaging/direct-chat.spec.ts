import { randomUUID } from "node:crypto";
import { Preset } from "matrix-js-sdk";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { syncUntil, membershipIs, roomIsEncrypted, decryptedEventById, allOf } from "../../src/matrix/sync.ts";

test("BUM-2.1.a1 direct chat between two persons: encrypted by the server's default, a message each way, both decrypt", async ({ users, clients, admin, ledger, tag }, testInfo) => {
  const alice = await users.create("alice");
  const bob = await users.create("bob");
  const [ca, cb] = await Promise.all([clients.start(alice), clients.start(bob)]);

  // A direct chat as clients create one, without asking for encryption.
  const { room_id: roomId } = await ca.createRoom({ is_direct: true, invite: [bob.userId], preset: Preset.TrustedPrivateChat, name: `${tag} direct` });
  ledger.record({ kind: "room", id: roomId, server: alice.serverName, test: testInfo.title });

  // The room is encrypted because the server made it so: its state (read with admin rights) says Megolm.
  const state = await admin.roomState(roomId);
  const encryption = state.find((e) => e.type === "m.room.encryption");
  expect(encryption?.content.algorithm, "m.room.encryption in the state of a room created without asking for it").toBe("m.megolm.v1.aes-sha2");

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
    encryption: encryption?.content,
    events: [
      { eventId: sent1.event_id, from: alice.userId, decryptedBy: bob.userId, wireType: atBob.getWireType() },
      { eventId: sent2.event_id, from: bob.userId, decryptedBy: alice.userId, wireType: atAlice.getWireType() },
    ],
  });
});
