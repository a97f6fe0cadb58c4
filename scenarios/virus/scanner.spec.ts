import { execSync } from "node:child_process";
import { decryptAttachment } from "matrix-encrypt-attachment";
import { test, expect, evidence, type Member } from "../../fixtures/index.ts";
import { sha256, pdf, png, type TestFile } from "../../fixtures/files.ts";
import { sendPlain, sendEncrypted, receivedAttachment, expectNotClean, expectBlocked, outcome, scannerOf } from "../../fixtures/virus.ts";
import { download, upload, parseMxc, type EncryptedFile } from "../../src/matrix/attachments.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { scaled } from "../../src/matrix/timeouts.ts";
import { eicar, infectedImage } from "../../src/virus/eicar.ts";
import { scanState } from "../../src/virus/scanner-client.ts";
import type { Target } from "../../src/config/target.ts";

/**
 * BUM-2.3 virus protection through the content scanner (MXACCEPT_SCANNER_URL): infected files (EICAR, plain and
 * end-to-end encrypted) are refused to every member, also on the federated partner; clean files pass byte for
 * byte; sender and room admin can delete, an ordinary member cannot; the scanner fails closed.
 * The tests run one after another: the fail-closed test stops the virus engine, which would disturb the others.
 */
test.describe.configure({ mode: "default" });

const eicarFile = (): TestFile => ({ name: "eicar.com", mimetype: "text/plain", bytes: eicar(), info: {} });
const infectedPng = (): TestFile => ({ name: "bild-infiziert.png", mimetype: "image/png", bytes: infectedImage(), info: { w: 256, h: 192 } });
const noScanner = "target file names no MXACCEPT_SCANNER_URL (the content scanner)";

function scannerFor(target: Target) {
  const s = scannerOf(target.scannerUrl);
  test.skip(!s, noScanner);
  return s!;
}

async function members(users: { create(n: string, o?: { on?: "target" | "partner" }): Promise<Member["user"]> }, clients: { start(u: Member["user"]): Promise<Member["client"]> }, names: string[], on: "target" | "partner" = "target"): Promise<Member[]> {
  return Promise.all(names.map(async (n) => {
    const user = await users.create(n, { on });
    return { user, client: await clients.start(user) };
  }));
}

test("BUM-2.3 an infected plain attachment (EICAR file, infected image) is refused by the scanner to the sender and another member, thumbnail included, and shown as blocked", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  const [alice, bob] = await members(users, clients, ["alice", "bob"]);
  const roomId = await rooms.group(alice!, [bob!]);
  const proof: Record<string, unknown>[] = [];
  for (const f of [eicarFile(), infectedPng()]) {
    const sent = await sendPlain(alice!, roomId, f);
    const [got] = await receivedAttachment([bob!], roomId, sent.eventId);
    expect(got!.url, "bob's client got the attachment's url").toBe(sent.mxc);
    // The file is on the homeserver as sent: a refusal below is the scanner's verdict, not missing media.
    const direct = await download(bob!.user, sent.mxc);
    expect({ status: direct.status, sha256: sha256(direct.bytes) }, "the homeserver holds the file as sent").toEqual({ status: 200, sha256: sha256(f.bytes) });
    for (const m of [alice!, bob!]) {
      const dl = await scanner.download(m.user, sent.mxc);
      expectNotClean(dl, `${f.name}: download by ${m.user.userId}`);
      const scan = await scanner.scan(m.user, sent.mxc);
      const shown = expectBlocked(scan, `${f.name}: scan for ${m.user.userId}`);
      const entry: Record<string, unknown> = { file: f.name, mxc: sent.mxc, user: m.user.userId, download: outcome(dl), scan: outcome(scan), shown };
      if (f.mimetype.startsWith("image/")) {
        const th = await scanner.thumbnail(m.user, sent.mxc, { width: 320, height: 240 });
        expectNotClean(th, `${f.name}: thumbnail for ${m.user.userId}`);
        entry.thumbnail = outcome(th);
      }
      proof.push(entry);
    }
  }
  await evidence(testInfo, { requirement: "BUM-2.3", check: "infected plain attachments blocked", scanner: target.scannerUrl, results: proof });
});

test("BUM-2.3 an infected end-to-end encrypted attachment is refused on the scanner's encrypted routes, with the file key in clear and encrypted to the scanner's key", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  const [alice, bob] = await members(users, clients, ["alice", "bob"]);
  const roomId = await rooms.group(alice!, [bob!]);
  const sent = await sendEncrypted(alice!, roomId, eicarFile());
  const [got] = await receivedAttachment([bob!], roomId, sent.eventId);
  expect(got!.file?.url, "bob's client decrypted the file object").toBe(sent.file.url);
  const direct = await download(bob!.user, sent.file.url);
  expect({ status: direct.status, sha256: sha256(direct.bytes) }, "the homeserver holds the ciphertext as uploaded").toEqual({ status: 200, sha256: sha256(sent.ciphertext) });
  const proof: Record<string, unknown>[] = [];
  for (const [m, file] of [[alice!, sent.file], [bob!, got!.file!]] as [Member, EncryptedFile][]) {
    const asKey = await scanner.downloadEncrypted(m.user, { file });
    expectNotClean(asKey, `download_encrypted (file key in clear) by ${m.user.userId}`);
    const asBody = await scanner.downloadEncrypted(m.user, await scanner.encryptedBody(file));
    expectNotClean(asBody, `download_encrypted (encrypted_body) by ${m.user.userId}`);
    const scan = await scanner.scanEncrypted(m.user, await scanner.encryptedBody(file));
    const shown = expectBlocked(scan, `scan_encrypted for ${m.user.userId}`);
    proof.push({ user: m.user.userId, mxc: file.url, fileKey: outcome(asKey), encryptedBody: outcome(asBody), scan: outcome(scan), shown });
  }
  await evidence(testInfo, { requirement: "BUM-2.3", check: "infected encrypted attachment blocked", scanner: target.scannerUrl, results: proof });
});

test("BUM-2.3 a member on the federated partner instance is refused the infected files through the partner's scanner", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  test.skip(!target.partner, "target file names no federation partner (MXACCEPT_PARTNER_BASE_URL)");
  const partnerScanner = scannerOf(target.partnerScannerUrl);
  test.skip(!partnerScanner, "target file names no MXACCEPT_PARTNER_SCANNER_URL (the partner's content scanner)");
  const [alice] = await members(users, clients, ["alice"]);
  const [carol] = await members(users, clients, ["carol"], "partner");
  const roomId = await rooms.group(alice!, [carol!]);
  const plain = await sendPlain(alice!, roomId, eicarFile());
  const enc = await sendEncrypted(alice!, roomId, eicarFile());
  const [gotPlain] = await receivedAttachment([carol!], roomId, plain.eventId);
  const [gotEnc] = await receivedAttachment([carol!], roomId, enc.eventId);
  // Carol's homeserver fetches the file over federation: it is there for her, unscanned.
  const direct = await download(carol!.user, gotPlain!.url!);
  expect({ status: direct.status, sha256: sha256(direct.bytes) }, "the partner's homeserver serves the remote file to carol").toEqual({ status: 200, sha256: sha256(eicar()) });
  const dl = await partnerScanner!.download(carol!.user, gotPlain!.url!);
  expectNotClean(dl, "plain download by the federated member");
  const scan = await partnerScanner!.scan(carol!.user, gotPlain!.url!);
  const shown = expectBlocked(scan, "scan for the federated member");
  const encDl = await partnerScanner!.downloadEncrypted(carol!.user, { file: gotEnc!.file! });
  expectNotClean(encDl, "encrypted download by the federated member");
  const encBody = await partnerScanner!.downloadEncrypted(carol!.user, await partnerScanner!.encryptedBody(gotEnc!.file!));
  expectNotClean(encBody, "encrypted download (encrypted_body) by the federated member");
  await evidence(testInfo, {
    requirement: "BUM-2.3",
    check: "infected files blocked for a federated member",
    scanner: target.scannerUrl !== undefined ? scanner.baseUrl : undefined,
    partnerScanner: target.partnerScannerUrl,
    member: carol!.user.userId,
    plain: { mxc: plain.mxc, download: outcome(dl), scan: outcome(scan), shown },
    encrypted: { mxc: enc.file.url, fileKey: outcome(encDl), encryptedBody: outcome(encBody) },
  });
});

test("BUM-2.3 clean files (a PDF and an image, plain and encrypted) are served by the scanner byte for byte", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  const [alice, bob] = await members(users, clients, ["alice", "bob"]);
  const roomId = await rooms.group(alice!, [bob!]);
  const proof: Record<string, unknown>[] = [];
  for (const f of [pdf(`Sauberes Dokument ${testInfo.testId}`), png(96, 64, 3)]) {
    const plain = await sendPlain(alice!, roomId, f);
    const enc = await sendEncrypted(alice!, roomId, f);
    const [gotPlain] = await receivedAttachment([bob!], roomId, plain.eventId);
    const [gotEnc] = await receivedAttachment([bob!], roomId, enc.eventId);
    const dl = await scanner.download(bob!.user, gotPlain!.url!);
    expect(dl.status, `${f.name}: plain download through the scanner (${dl.reason ?? ""} ${dl.info ?? ""})`).toBe(200);
    expect(sha256(dl.bytes!), `${f.name}: plain bytes through the scanner`).toBe(sha256(f.bytes));
    const scan = await scanner.scan(bob!.user, gotPlain!.url!);
    expect({ status: scan.status, clean: scan.clean }, `${f.name}: scan result`).toEqual({ status: 200, clean: true });
    const file = gotEnc!.file!;
    const served: Record<string, string> = {};
    for (const [how, body] of [["fileKey", { file }], ["encryptedBody", await scanner.encryptedBody(file)]] as const) {
      const r = await scanner.downloadEncrypted(bob!.user, body);
      expect(r.status, `${f.name}: download_encrypted (${how}) (${r.reason ?? ""} ${r.info ?? ""})`).toBe(200);
      const clear = Buffer.from(await decryptAttachment(r.bytes!.buffer.slice(r.bytes!.byteOffset, r.bytes!.byteOffset + r.bytes!.byteLength) as ArrayBuffer, file));
      expect(sha256(clear), `${f.name}: decrypted bytes of download_encrypted (${how})`).toBe(sha256(f.bytes));
      served[how] = sha256(r.bytes!);
    }
    const entry: Record<string, unknown> = { file: f.name, sha256: sha256(f.bytes), plain: { mxc: plain.mxc, status: dl.status, shown: scanState(scan) }, encrypted: { mxc: file.url, ciphertextSha256: served } };
    if (f.mimetype.startsWith("image/")) {
      const th = await scanner.thumbnail(bob!.user, gotPlain!.url!, { width: 32, height: 32 });
      expect(th.status, `${f.name}: thumbnail through the scanner (${th.reason ?? ""})`).toBe(200);
      entry.thumbnail = { status: th.status, bytes: th.bytes!.length };
    }
    proof.push(entry);
  }
  await evidence(testInfo, { requirement: "BUM-2.3", check: "clean files pass", scanner: target.scannerUrl, results: proof });
});

test("BUM-2.3 the sender and the room admin can delete an infected file, an ordinary member cannot; afterwards no member gets it", async ({ target, users, clients, rooms, admin }, testInfo) => {
  const scanner = scannerFor(target);
  const [owner, sender, member] = await members(users, clients, ["admin", "sender", "member"]);
  const roomId = await rooms.group(owner!, [sender!, member!]);
  const everyone = [owner!, sender!, member!];
  const first = await sendPlain(sender!, roomId, eicarFile());
  const second = await sendEncrypted(sender!, roomId, eicarFile());
  await receivedAttachment([owner!, member!], roomId, first.eventId);
  await receivedAttachment([owner!, member!], roomId, second.eventId);

  const redact = (m: Member, eventId: string) => requestJson(m.user.baseUrl, "PUT", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/mxa-${Date.now()}-${Math.random().toString(36).slice(2)}`, { token: m.user.accessToken, body: { reason: "infected file" }, accept: [403] });
  const refused = await redact(member!, first.eventId);
  expect(refused.status, "an ordinary member may not redact another member's file").toBe(403);
  expect((refused.body as { errcode?: string }).errcode).toBe("M_FORBIDDEN");
  const bySender = await redact(sender!, first.eventId);
  expect(bySender.status, "the sender redacts their own file").toBe(200);
  const byAdmin = await redact(owner!, second.eventId);
  expect(byAdmin.status, "the room admin redacts another member's file").toBe(200);

  // No member sees the file any more: the server serves both events redacted (no url, no file key).
  for (const m of everyone) {
    for (const eventId of [first.eventId, second.eventId]) {
      await expect.poll(async () => {
        const ev = await requestJson<{ content: Record<string, unknown>; unsigned?: { redacted_because?: unknown } }>(m.user.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`, { token: m.user.accessToken });
        return { content: ev.body.content, redacted: ev.body.unsigned?.redacted_because !== undefined };
      }, { message: `${m.user.userId} gets ${eventId} redacted` }).toEqual({ content: {}, redacted: true });
    }
  }

  // The admin deletes the media: gone on the homeserver for everyone, and the scanner serves nothing of it.
  const deleted: Record<string, unknown>[] = [];
  for (const mxc of [first.mxc, second.file.url]) {
    const { server, mediaId } = parseMxc(mxc);
    await admin.request("DELETE", `_synapse/admin/v1/media/${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`);
    for (const m of everyone) {
      const direct = await download(m.user, mxc);
      expect(direct.status, `${mxc} after deletion, for ${m.user.userId}`).toBe(404);
      const via = mxc === first.mxc ? await scanner.download(m.user, mxc) : await scanner.downloadEncrypted(m.user, { file: second.file });
      expect(via.status, `${mxc} through the scanner after deletion, for ${m.user.userId}`).not.toBe(200);
      deleted.push({ mxc, user: m.user.userId, homeserver: direct.status, scanner: outcome(via) });
    }
  }
  await evidence(testInfo, {
    requirement: "BUM-2.3",
    check: "deletion by sender and room admin",
    roomId,
    memberRedaction: { status: refused.status, errcode: (refused.body as { errcode?: string }).errcode },
    senderRedaction: { eventId: first.eventId, status: bySender.status },
    adminRedaction: { eventId: second.eventId, status: byAdmin.status },
    afterDeletion: deleted,
  });
});

test("BUM-2.3 with the virus engine stopped the scanner serves no file (fails closed), and serves clean files again once it is back", async ({ target, users }, testInfo) => {
  const scanner = scannerFor(target);
  test.skip(!target.scannerAv, "target file names no MXACCEPT_SCANNER_AV_STOP / MXACCEPT_SCANNER_AV_START (commands that stop and start the scanner's virus engine)");
  test.skip(!target.destructive, "stopping the scanner's virus engine is destructive: it runs only with MXACCEPT_DESTRUCTIVE=allow");
  const alice = await users.create("alice");
  const f = pdf(`Fail closed ${testInfo.testId}`);
  const mxc = await upload(alice, f.bytes, f.mimetype, f.name);
  const av = target.scannerAv!;
  let whileDown;
  let scanWhileDown;
  execSync(av.stop, { stdio: "pipe", timeout: 120_000 });
  try {
    whileDown = await scanner.download(alice, mxc);
    scanWhileDown = await scanner.scan(alice, mxc);
  } finally {
    execSync(av.start, { stdio: "pipe", timeout: 120_000 });
  }
  expect(whileDown.status, "the scanner does not serve a file it could not scan").not.toBe(200);
  expect(scanWhileDown.clean, "the scan does not say clean without the virus engine").not.toBe(true);
  // The engine loads its signatures after a restart: wait (with a deadline) for the clean file to be served again.
  let after = await scanner.download(alice, mxc);
  await expect.poll(async () => {
    after = await scanner.download(alice, mxc);
    return after.status;
  }, { message: "the clean file is served once the engine is back", timeout: scaled(60_000) }).toBe(200);
  expect(sha256(after.bytes!), "served byte for byte").toBe(sha256(f.bytes));
  await evidence(testInfo, { requirement: "BUM-2.3", check: "fail closed", mxc, whileEngineDown: { download: outcome(whileDown), scan: outcome(scanWhileDown) }, afterRestart: { status: after.status } });
});
