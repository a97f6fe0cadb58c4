import { faker } from "@faker-js/faker/locale/de";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send, sendFileToAll } from "../../fixtures/chat.ts";
import { pdf } from "../../fixtures/files.ts";
import { syncUntil, membershipIs } from "../../src/matrix/sync.ts";

test("BUM-2.1.a2 VSM-2.2.groups group chat: a user creates a group of three, invites, everyone decrypts every message, a member leaves", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["alice", "bob", "carol"].map((n) => users.create(n)));
  const members = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const [alice, bob, carol] = members as [typeof members[0], typeof members[0], typeof members[0]];
  const roomId = await rooms.group(alice, [bob, carol], { name: `Arbeitsgruppe ${faker.location.city()}` });

  const sent: { from: string; eventId: string }[] = [];
  for (const sender of members) {
    const body = `${faker.lorem.sentence()} (${sender.user.localpart})`;
    const eventId = await send(sender, roomId, { msgtype: "m.text", body });
    const others = members.filter((m) => m !== sender);
    const copies = await everyoneDecrypts(others, roomId, eventId);
    for (const c of copies) expect(c.getContent().body).toBe(body);
    sent.push({ from: sender.user.userId, eventId });
  }

  // Carol leaves as a user would; the others see it and can go on chatting.
  await carol.client.leave(roomId);
  await syncUntil(alice.client, membershipIs(roomId, carol.user.userId, "leave"));
  const after = await send(alice, roomId, { msgtype: "m.text", body: "Carol ist gegangen." });
  const [atBob] = await everyoneDecrypts([bob], roomId, after);
  expect(atBob!.getContent().body).toBe("Carol ist gegangen.");

  await evidence(testInfo, { requirement: "BUM-2.1.a2", roomId, members: people.map((p) => p.userId), messages: sent, afterLeave: after });
});

test("VSM-1 instant messages: text and a file between two users (the closed user group is checked by the security suite)", async ({ users, clients, rooms }, testInfo) => {
  const [a, b] = await Promise.all([users.create("anna"), users.create("ben")]);
  const alice = { user: a, client: await clients.start(a) };
  const bob = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(alice, [bob]);
  const text = await send(alice, roomId, { msgtype: "m.text", body: "Lagebericht folgt." });
  expect((await everyoneDecrypts([bob], roomId, text))[0]!.getContent().body).toBe("Lagebericht folgt.");
  const file = await sendFileToAll(alice, [bob], roomId, pdf("Lagebericht"));
  await evidence(testInfo, { requirement: "VSM-1", roomId, text, file: file.eventId });
});
