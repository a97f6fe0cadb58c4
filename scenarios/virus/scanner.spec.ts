import { execSync } from "node:child_process";
import { decryptAttachment } from "matrix-encrypt-attachment";
import { test, expect, evidence, type Member } from "../../fixtures/index.ts";
import { sha256, pdf, png, type TestFile } from "../../fixtures/files.ts";
import { sendPlain, sendPlainOrRefused, sendEncrypted, receivedAttachment, expectNotClean, expectBlocked, expectKeptFrom, plainRoutes, outcome, scannerOf, type RouteOutcome } from "../../fixtures/virus.ts";
import { upload, type EncryptedFile } from "../../src/matrix/attachments.ts";
import { requestJson } from "../../src/matrix/http.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";
import { eicar, eicarZip } from "../../src/virus/eicar.ts";
import { scanState } from "../../src/virus/scanner-client.ts";
import type { Target } from "../../src/config/target.ts";

/**
 * BUM-2.3 virus protection through the content scanner (MXACCEPT_SCANNER_URL): infected files (the EICAR test
 * file and EICAR in a zip, which ClamAV's official databases detect; plain and end-to-end encrypted) are kept from
 * every member, also on the federated partner; clean files pass byte for byte; sender and room admin can delete,
 * an ordinary member cannot; the scanner fails closed.
 *
 * A plain infected file counts as blocked when the homeserver refuses it at upload (a scanner at upload time), or
 * when the scanner refuses it as not clean, or when the homeserver's own media routes refuse it and the scanner
 * does not serve it either. The suite does not need the homeserver to serve an infected file; where it does (past
 * the scanner, on its plain media routes), the evidence lists that as a finding with the route.
 * The tests run one after another: the fail-closed test stops the virus engine, which would disturb the others.
 */
test.describe.configure({ mode: "default" });

const eicarFile = (): TestFile => ({ name: "eicar.com", mimetype: "text/plain", bytes: eicar(), info: {} });
const eicarZipFile = (): TestFile => ({ name: "eicar_com.zip", mimetype: "application/zip", bytes: eicarZip(), info: {} });

/** The homeserver's plain routes that served an unencrypted infected file past the scanner: findings for the evidence. */
function servedPastScanner(user: string, file: string, routes: RouteOutcome[]): Record<string, unknown>[] {
  return routes.filter((r) => r.served).map((r) => ({ finding: "the homeserver serves an unencrypted infected file past the scanner", file, user, route: r.route, status: r.status }));
}
const noScanner = "target file names no MXACCEPT_SCANNER_URL (the content scanner)";

function scannerFor(target: Target) {
  const s = scannerOf(target.scannerUrl);
  test.skip(!s, noScanner);
  return s!;
}

async function members(users: { create(n: string, o?: { on?: "instance" | "partner" }): Promise<Member["user"]> }, clients: { start(u: Member["user"]): Promise<Member["client"]> }, names: string[], on: "instance" | "partner" = "instance"): Promise<Member[]> {
  return Promise.all(names.map(async (n) => {
    const user = await users.create(n, { on });
    return { user, client: await clients.start(user) };
  }));
}

test("BUM-2.3 an infected plain attachment (the EICAR test file, EICAR in a zip) is kept from the sender and another member: refused at upload, or refused by the scanner and shown as blocked", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  const [alice, bob] = await members(users, clients, ["alice", "bob"]);
  const roomId = await rooms.group(alice!, [bob!]);
  const proof: Record<string, unknown>[] = [];
  const findings: Record<string, unknown>[] = [];
  for (const f of [eicarFile(), eicarZipFile()]) {
    const sent = await sendPlainOrRefused(alice!, roomId, f);
    if ("blockedAtUpload" in sent) {
      proof.push({ file: f.name, blocked: "refused at upload by the homeserver", upload: sent.blockedAtUpload });
      continue;
    }
    const [got] = await receivedAttachment([bob!], roomId, sent.eventId);
    expect(got!.url, "bob's client got the attachment's url").toBe(sent.mxc);
    for (const m of [alice!, bob!]) {
      const routes = await plainRoutes(m.user, sent.mxc, f.bytes);
      const dl = await scanner.download(m.user, sent.mxc);
      const scan = await scanner.scan(m.user, sent.mxc);
      const blocked = expectKeptFrom(dl, scan, routes, `${f.name}: for ${m.user.userId}`);
      findings.push(...servedPastScanner(m.user.userId, f.name, routes));
      proof.push({ file: f.name, mxc: sent.mxc, user: m.user.userId, blocked, download: outcome(dl), scan: outcome(scan), shown: scan.status === 200 ? scanState(scan) : undefined, homeserverRoutes: routes });
    }
  }
  await evidence(testInfo, { requirement: "BUM-2.3", check: "infected plain attachments blocked", scanner: target.scannerUrl, results: proof, findings });
});

test("BUM-2.3 an infected end-to-end encrypted attachment is refused on the scanner's encrypted routes, with the file key in clear and encrypted to the scanner's key", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  const [alice, bob] = await members(users, clients, ["alice", "bob"]);
  const roomId = await rooms.group(alice!, [bob!]);
  const sent = await sendEncrypted(alice!, roomId, eicarFile());
  const [got] = await receivedAttachment([bob!], roomId, sent.eventId);
  expect(got!.file?.url, "bob's client decrypted the file object").toBe(sent.file.url);
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
  const plain = await sendPlainOrRefused(alice!, roomId, eicarFile());
  const enc = await sendEncrypted(alice!, roomId, eicarFile());
  let plainProof: Record<string, unknown>;
  const findings: Record<string, unknown>[] = [];
  if ("blockedAtUpload" in plain) {
    plainProof = { blocked: "refused at upload by the sender's homeserver", upload: plain.blockedAtUpload };
  } else {
    const [gotPlain] = await receivedAttachment([carol!], roomId, plain.eventId);
    // Carol's homeserver fetches the file over federation (or refuses to): the suite needs neither.
    const routes = await plainRoutes(carol!.user, gotPlain!.url!, eicar());
    const dl = await partnerScanner!.download(carol!.user, gotPlain!.url!);
    const scan = await partnerScanner!.scan(carol!.user, gotPlain!.url!);
    const blocked = expectKeptFrom(dl, scan, routes, "plain file for the federated member");
    findings.push(...servedPastScanner(carol!.user.userId, "eicar.com", routes));
    plainProof = { mxc: plain.mxc, blocked, download: outcome(dl), scan: outcome(scan), shown: scan.status === 200 ? scanState(scan) : undefined, homeserverRoutes: routes };
  }
  const [gotEnc] = await receivedAttachment([carol!], roomId, enc.eventId);
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
    plain: plainProof,
    encrypted: { mxc: enc.file.url, fileKey: outcome(encDl), encryptedBody: outcome(encBody) },
    findings,
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

test("BUM-2.3 the sender and the room admin can delete an infected file, an ordinary member cannot; afterwards the file is gone or blocked for every member", async ({ target, users, clients, rooms }, testInfo) => {
  const scanner = scannerFor(target);
  const [owner, sender, member] = await members(users, clients, ["admin", "sender", "member"]);
  const roomId = await rooms.group(owner!, [sender!, member!]);
  const everyone = [owner!, sender!, member!];
  // The sender deletes a plain infected file (an encrypted one where the homeserver refuses it at upload), the room
  // admin an encrypted one: both are in the room, unscanned by the homeserver, until they are deleted.
  const plain = await sendPlainOrRefused(sender!, roomId, eicarFile());
  const enc = await sendEncrypted(sender!, roomId, eicarFile());
  const first = "blockedAtUpload" in plain ? { ...(await sendEncrypted(sender!, roomId, eicarFile())), mxc: undefined } : { ...plain, file: undefined };
  await receivedAttachment([owner!, member!], roomId, first.eventId);
  await receivedAttachment([owner!, member!], roomId, enc.eventId);

  const redact = (m: Member, eventId: string) => requestJson(m.user.baseUrl, "PUT", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/mxa-${Date.now()}-${Math.random().toString(36).slice(2)}`, { token: m.user.accessToken, body: { reason: "infected file" }, accept: [403] });
  const refused = await redact(member!, first.eventId);
  expect(refused.status, "an ordinary member may not redact another member's file").toBe(403);
  expect((refused.body as { errcode?: string }).errcode).toBe("M_FORBIDDEN");
  const bySender = await redact(sender!, first.eventId);
  expect(bySender.status, "the sender redacts their own file").toBe(200);
  const byAdmin = await redact(owner!, enc.eventId);
  expect(byAdmin.status, "the room admin redacts another member's file").toBe(200);

  // No member sees the file any more: the server serves both events redacted (no url, no file key).
  for (const m of everyone) {
    for (const eventId of [first.eventId, enc.eventId]) {
      await waitFor(`${m.user.userId} gets ${eventId} redacted`, async (p) => {
        const ev = await requestJson<{ content: Record<string, unknown>; unsigned?: { redacted_because?: unknown } }>(m.user.baseUrl, "GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`, { token: m.user.accessToken });
        const keys = Object.keys(ev.body.content ?? {});
        const redacted = ev.body.unsigned?.redacted_because !== undefined;
        if (keys.length === 0 && redacted) return true;
        p.note(`content keys [${keys.join(", ")}], ${redacted ? "redacted_because set" : "no redacted_because"}`);
        return undefined;
      }, { timeoutMs: 30_000, until: true });
    }
  }

  // Whoever still holds the file's address gets it neither from the scanner nor as plain bytes from the
  // homeserver: gone (deleted with the event) or blocked. A plain file the homeserver still serves past the
  // scanner is a finding, as in the first test.
  const after: Record<string, unknown>[] = [];
  const findings: Record<string, unknown>[] = [];
  for (const m of everyone) {
    if (first.mxc) {
      const routes = await plainRoutes(m.user, first.mxc, eicar());
      const dl = await scanner.download(m.user, first.mxc);
      expect(dl.status, `the deleted plain file through the scanner, for ${m.user.userId} (${dl.reason ?? ""})`).not.toBe(200);
      findings.push(...servedPastScanner(m.user.userId, "eicar.com (deleted by the sender)", routes));
      after.push({ mxc: first.mxc, deletedBy: "sender", user: m.user.userId, scanner: outcome(dl), homeserverRoutes: routes, state: routes.every((r) => r.status === 404) ? "gone" : "blocked" });
    }
    for (const [file, by] of [...(first.file ? [[first.file, "sender"] as const] : []), [enc.file, "room admin"] as const]) {
      const dl = await scanner.downloadEncrypted(m.user, { file });
      expect(dl.status, `the deleted encrypted file through the scanner, for ${m.user.userId} (${dl.reason ?? ""})`).not.toBe(200);
      after.push({ mxc: file.url, deletedBy: by, user: m.user.userId, scanner: outcome(dl), state: dl.status === 404 ? "gone" : "blocked" });
    }
  }
  await evidence(testInfo, {
    requirement: "BUM-2.3",
    check: "deletion by sender and room admin",
    roomId,
    memberRedaction: { status: refused.status, errcode: (refused.body as { errcode?: string }).errcode },
    senderRedaction: { eventId: first.eventId, status: bySender.status, plain: !!first.mxc },
    adminRedaction: { eventId: enc.eventId, status: byAdmin.status },
    afterDeletion: after,
    findings,
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
  const after = await waitFor("the clean file is served once the engine is back", async (p) => {
    const dl = await scanner.download(alice, mxc);
    if (dl.status === 200) return dl;
    p.note(`status ${dl.status}${dl.reason ? ` (${dl.reason})` : ""}`);
    return undefined;
  }, { timeoutMs: 60_000, until: true });
  expect(sha256(after.bytes!), "served byte for byte").toBe(sha256(f.bytes));
  await evidence(testInfo, { requirement: "BUM-2.3", check: "fail closed", mxc, whileEngineDown: { download: outcome(whileDown), scan: outcome(scanWhileDown) }, afterRestart: { status: after.status } });
});
