import { randomUUID } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { Preset } from "matrix-js-sdk";
import { everyoneDecrypts, send, sendFileToAll } from "../../fixtures/chat.ts";
import { png, sha256 } from "../../fixtures/files.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { download } from "../../src/matrix/attachments.ts";
import { syncUntil, membershipIs } from "../../src/matrix/sync.ts";

test("BUM-2.1.d VSM-2.2.e2ee rooms and direct chats are encrypted by the server's default, without the client asking", async ({ users, rooms, tag }, testInfo) => {
  const a = await users.create("alice");
  const b = await users.create("bob");
  // Created as a plain client would, without m.room.encryption in the request: only the server can encrypt them.
  const made: Record<string, { roomId: string; algorithm?: string }> = {};
  for (const [kind, preset] of [["private room", Preset.PrivateChat], ["direct chat", Preset.TrustedPrivateChat]] as const) {
    const roomId = await rooms.plain(a, { preset, name: `${tag} ${kind}`, invite: [b.userId], ...(kind === "direct chat" ? { is_direct: true } : {}) });
    // createRoom has returned: the initial state is complete. A member reads it.
    const enc = await requestJson<{ algorithm?: string }>(a.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.encryption/`, { token: a.accessToken, accept: [404] });
    made[kind] = { roomId, algorithm: enc.status === 200 ? enc.body.algorithm : undefined };
  }
  await evidence(testInfo, { requirement: "BUM-2.1.d", serverDefault: made });
  for (const [kind, r] of Object.entries(made)) {
    expect(r.algorithm, `a ${kind} created without asking for encryption (${r.roomId}): the server must turn on Megolm by default; it ${r.algorithm ? `set ${r.algorithm}` : "left the room unencrypted (no m.room.encryption in its initial state)"}`).toBe("m.megolm.v1.aes-sha2");
  }
});

test("BUM-2.1.d VSM-2.2.e2ee the server stores only ciphertext of messages and files (its copy read with the admin API)", async ({ users, clients, rooms, admin }, testInfo) => {
  const [a, b] = await Promise.all([users.create("alice"), users.create("bob")]);
  const alice = { user: a, client: await clients.start(a) };
  const bob = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(alice, [bob]);

  const secret = `Vertraulich ${randomUUID()}`;
  const textId = await send(alice, roomId, { msgtype: "m.text", body: secret });
  await everyoneDecrypts([bob], roomId, textId);
  const image = png(40, 30, 7);
  const sentFile = await sendFileToAll(alice, [bob], roomId, image);

  // What the server stores, read with admin rights: only m.room.encrypted, Megolm, and no plaintext.
  const stored = await admin.roomMessages(roomId, 200);
  const ours = stored.filter((e) => e.event_id === textId || e.event_id === sentFile.eventId);
  expect(ours, "both events are in the server's copy").toHaveLength(2);
  for (const e of ours) {
    expect(e.type, `${e.event_id} stored as`).toBe("m.room.encrypted");
    expect(e.content.algorithm).toBe("m.megolm.v1.aes-sha2");
    expect(typeof e.content.ciphertext).toBe("string");
  }
  const plainTypes = stored.filter((e) => e.type === "m.room.message");
  expect(plainTypes, "no m.room.message in clear on the server").toEqual([]);
  expect(JSON.stringify(stored).includes(secret), "the message text is nowhere in the server's copy").toBe(false);
  expect(JSON.stringify(stored).includes(image.name), "the file name is nowhere in the server's copy").toBe(false);
  await evidence(testInfo, { requirement: "BUM-2.1.d", roomId, storedTypes: ours.map((e) => ({ id: e.event_id, type: e.type, algorithm: e.content.algorithm })) });
});

test("BUM-2.1.d VSM-2.2.e2ee attachment blobs are ciphertext, and a member who joins later cannot read earlier messages", async ({ users, clients, rooms }, testInfo) => {
  const [a, b, d] = await Promise.all([users.create("alice"), users.create("bob"), users.create("dave")]);
  const alice = { user: a, client: await clients.start(a) };
  const bob = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(alice, [bob]);

  const secret = `Vertraulich ${randomUUID()}`;
  const textId = await send(alice, roomId, { msgtype: "m.text", body: secret });
  await everyoneDecrypts([bob], roomId, textId);
  const image = png(40, 30, 7);
  const sentFile = await sendFileToAll(alice, [bob], roomId, image);

  // The media repository holds the ciphertext: its bytes hash to the file's ciphertext hash, not the image's.
  const blob = await download(a, sentFile.file.url);
  expect(blob.status).toBe(200);
  expect(sha256(blob.bytes)).not.toBe(sha256(image.bytes));
  expect(sha256Base64(blob.bytes), "stored blob is exactly the uploaded ciphertext").toBe(sentFile.file.hashes?.sha256);
  expect(blob.bytes.includes(image.bytes.subarray(0, 16)), "no plaintext PNG header in the stored blob").toBe(false);

  // Dave joins later, invited over the plain API (no key sharing by a client): earlier messages stay unreadable.
  const dave = { user: d, client: await clients.start(d) };
  await requestJson(a.baseUrl, "POST", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, { token: a.accessToken, body: { user_id: d.userId } });
  await syncUntil(dave.client, membershipIs(roomId, d.userId, "invite"));
  await dave.client.joinRoom(roomId);
  await syncUntil(alice.client, membershipIs(roomId, d.userId, "join"));
  const history = await requestJson<{ chunk: Record<string, unknown>[] }>(d.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`, { token: d.accessToken, query: { dir: "b", limit: 100 } });
  const earlier = history.body.chunk.filter((e) => e.event_id === textId);
  expect(earlier, "the server shows dave the earlier event (history visibility), as ciphertext").toHaveLength(1);
  const mapped = dave.client.getEventMapper()(earlier[0] as never);
  await dave.client.decryptEventIfNeeded(mapped);
  expect(mapped.isDecryptionFailure(), "dave cannot decrypt a message sent before he joined").toBe(true);
  expect(JSON.stringify(mapped.getContent()).includes(secret)).toBe(false);

  // …while dave reads what is sent after he joined (so the failure above is about keys, not a broken client).
  const later = await send(alice, roomId, { msgtype: "m.text", body: "Willkommen, Dave." });
  expect((await everyoneDecrypts([dave], roomId, later))[0]!.getContent().body).toBe("Willkommen, Dave.");

  await evidence(testInfo, { requirement: "BUM-2.1.d", roomId, media: { mxc: sentFile.file.url, storedSha256: sha256(blob.bytes), plaintextSha256: sentFile.sha256 }, lateJoiner: { userId: d.userId, undecryptable: textId, decryptedAfterJoin: later } });
});

/** SHA-256 as unpadded base64, the form of `file.hashes.sha256`. */
function sha256Base64(b: Uint8Array): string {
  return Buffer.from(sha256(b), "hex").toString("base64").replace(/=+$/, "");
}
