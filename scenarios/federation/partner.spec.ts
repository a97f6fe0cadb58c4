import { test, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send, sendFileToAll } from "../../fixtures/chat.ts";
import { png, pdf } from "../../fixtures/files.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";

/**
 * Federation with an allowlisted partner instance (BuM 2.2): users of the target and of the partner share an
 * encrypted room; messages and files go both ways and every member decrypts; the partner user's new device is
 * announced over federation and reads new messages.
 */
test("BUM-2.2 users of the instance and of an allowlisted partner share an encrypted room: messages, files both ways, a new remote device reads new messages", async ({ target, users, clients, rooms }, testInfo) => {
  test.skip(!target.partner, "target file names no partner instance (MXACCEPT_PARTNER_BASE_URL)");
  const a = await users.create("alice");
  const b = await users.create("bob", { on: "partner" });
  const alice = { user: a, client: await clients.start(a) };
  const bob = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(alice, [bob]);

  const toBob = await send(alice, roomId, { msgtype: "m.text", body: `Hallo Partner ${Date.now()}` });
  const toAlice = await send(bob, roomId, { msgtype: "m.text", body: `Hallo zurück ${Date.now()}` });
  await everyoneDecrypts([bob], roomId, toBob);
  await everyoneDecrypts([alice], roomId, toAlice);
  const fileToBob = await sendFileToAll(alice, [bob], roomId, pdf("Föderation: Dokument von hs1"));
  const fileToAlice = await sendFileToAll(bob, [alice], roomId, png());

  // A new device of the remote user: the partner announces it over federation, alice's client sees it without
  // being asked to re-download (a device list update), and the new device reads a message sent afterwards.
  const session = await users.login(b, "mxaccept second device");
  const b2 = { ...b, accessToken: session.accessToken, deviceId: session.deviceId };
  const bob2 = { user: b2, client: await clients.start(b2) };
  const crypto = alice.client.getCrypto()!;
  await waitFor(`alice's client sees ${b.userId}'s new device ${b2.deviceId} over federation`, async (p) => {
    const devices = (await crypto.getUserDeviceInfo([b.userId])).get(b.userId);
    if (devices?.has(b2.deviceId)) return true;
    p.note(`devices [${[...(devices?.keys() ?? [])].join(", ")}]`);
    return undefined;
  }, { timeoutMs: 60_000, until: true });
  const afterNewDevice = await send(alice, roomId, { msgtype: "m.text", body: `für beide Geräte ${Date.now()}` });
  await everyoneDecrypts([bob2, bob], roomId, afterNewDevice);

  await evidence(testInfo, {
    requirement: "BUM-2.2",
    roomId,
    instance: target.serverName,
    partner: target.partner!.serverName,
    messages: { toPartner: toBob, fromPartner: toAlice },
    files: { toPartner: { eventId: fileToBob.eventId, sha256: fileToBob.sha256 }, fromPartner: { eventId: fileToAlice.eventId, sha256: fileToAlice.sha256 } },
    newRemoteDevice: { user: b.userId, deviceId: b2.deviceId, decrypted: afterNewDevice },
  });
});
