import { faker } from "@faker-js/faker/locale/de";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { everyoneDecrypts, send, sendFileToAll } from "../../fixtures/chat.ts";
import { animatedGif, png, pdf, aviVideo, oggOpusVoice } from "../../fixtures/files.ts";

test("BUM-2.1.b text with emoji (ZWJ sequences, skin tones), a formatted body and an animated GIF arrive identical", async ({ users, clients, rooms }, testInfo) => {
  const [a, b] = await Promise.all([users.create("alice"), users.create("bob")]);
  const alice = { user: a, client: await clients.start(a) };
  const bob = { user: b, client: await clients.start(b) };
  const roomId = await rooms.group(alice, [bob]);

  const emoji = "👩‍👩‍👧‍👦 🧑🏽‍💻 👍🏿 🏳️‍🌈 ❤️‍🔥 🇩🇪 Grüße aus Köln ß";
  const body = `${faker.lorem.sentence()} ${emoji}`;
  const formatted = `<p><strong>Wichtig:</strong> <em>${emoji}</em> <a href="https://example.org">Link</a></p>`;
  const textId = await send(alice, roomId, { msgtype: "m.text", body, format: "org.matrix.custom.html", formatted_body: formatted });
  const [copy] = await everyoneDecrypts([bob], roomId, textId);
  const c = copy!.getContent();
  expect(Buffer.from(String(c.body), "utf8").equals(Buffer.from(body, "utf8")), "plain body identical to the byte").toBe(true);
  expect(c.formatted_body).toBe(formatted);
  expect(c.format).toBe("org.matrix.custom.html");

  const gif = animatedGif();
  const sentGif = await sendFileToAll(alice, [bob], roomId, gif);
  expect(sentGif.received[0]!.content.msgtype).toBe("m.image");
  expect((sentGif.received[0]!.content.info as { mimetype: string }).mimetype).toBe("image/gif");

  await evidence(testInfo, { requirement: "BUM-2.1.b", roomId, text: textId, codepoints: [...emoji].length, gif: { eventId: sentGif.eventId, sha256: sentGif.sha256, bytes: gif.bytes.length } });
});

test("BUM-2.1.c files: a PDF, an image, a video and a voice message arrive byte for byte at every member", async ({ users, clients, rooms }, testInfo) => {
  const people = await Promise.all(["alice", "bob", "carol"].map((n) => users.create(n)));
  const [alice, ...others] = await Promise.all(people.map(async (user) => ({ user, client: await clients.start(user) })));
  const roomId = await rooms.group(alice!, others);

  const results: Record<string, unknown>[] = [];
  for (const f of [pdf(faker.lorem.paragraph()), png(), aviVideo()]) {
    const r = await sendFileToAll(alice!, others, roomId, f);
    results.push({ name: f.name, mimetype: f.mimetype, eventId: r.eventId, sha256: r.sha256, msgtype: r.received[0]!.content.msgtype });
  }
  expect(results.map((r) => r.msgtype)).toEqual(["m.file", "m.image", "m.video"]);

  // A voice message as Element sends it (MSC3245): m.audio with the voice marker, duration and waveform.
  const voice = oggOpusVoice(2);
  const waveform = Array.from({ length: 30 }, (_, i) => (i * 37) % 1024);
  const v = await sendFileToAll(alice!, others, roomId, voice, {
    body: "Voice message",
    "org.matrix.msc1767.text": "Voice message",
    "org.matrix.msc1767.audio": { duration: 2000, waveform },
    "org.matrix.msc3245.voice": {},
  });
  for (const r of v.received) {
    expect(r.content.msgtype).toBe("m.audio");
    expect(r.content["org.matrix.msc3245.voice"], `${r.receiver} sees the voice marker`).toEqual({});
    expect(r.content["org.matrix.msc1767.audio"]).toEqual({ duration: 2000, waveform });
  }
  results.push({ name: voice.name, mimetype: voice.mimetype, eventId: v.eventId, sha256: v.sha256, msgtype: "m.audio", voice: true });

  await evidence(testInfo, { requirement: "BUM-2.1.c", roomId, receivers: others.map((o) => o.user.userId), files: results });
});
