import { randomBytes } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { upload, download, parseMxc } from "../../src/matrix/attachments.ts";
import { parseDuration } from "../../src/config/duration.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";
import { auditLimits, auditLocalMedia, auditRemoteMedia, listRoomIds } from "../../src/checks/retention-audit.ts";
import { mediaRetentionPeriodMs } from "../../src/stack/generate.ts";
import { configProof, auditVerdict, auditProof, AUDIT_SAMPLE } from "./proofs.ts";

const DAY = 86_400_000;

/** How long the reference's media retention job may take to come round (its clock period, three times, and slack). */
function mediaDeadline(timeScale: number): number {
  return 3 * mediaRetentionPeriodMs(timeScale) + 30_000;
}

/**
 * Media retention. Live on the reference instance (every time scale): one file is made older than its lifetime by
 * backdating it in the database (Synapse flushes access times once a minute, so the backdate is re-applied until
 * the purge has happened), another stays young. The instance's own retention job must delete the old one and keep
 * the young one. Config where the homeserver.yaml is known; audit by upload time on any other target.
 */
test("BUM-2.5.local-media local media past its lifetime is purged, and media within its lifetime survives (live on the reference; config, else audit, on a target)", async ({ profile, target, users, admin, reference }, testInfo) => {
  const lifetime = parseDuration(profile.contract.localMediaLifetime);
  const haveConfig = await test.step("config: media_retention.local_media_lifetime against the contract", () => configProof(testInfo, target, profile, "localMedia", "BUM-2.5.local-media"));

  // Backdating needs the reference's database: on any other target the proof is config, else audit.
  if (!reference) {
    const limitMs = auditLimits(profile).localMediaMs;
    const t0 = Date.now();
    const a = await test.step("audit: local media stored past the lifetime by upload time, every user incl. deactivated", () => auditLocalMedia(admin, limitMs, Date.now(), AUDIT_SAMPLE));
    const c = auditVerdict(testInfo, a.oldestUserTs, limitMs, "user account", haveConfig);
    await evidence(testInfo, { requirement: "BUM-2.5.local-media", ...auditProof(c.conclusive, a.violations.length, haveConfig), agedBy: "upload time (created_ts)", limitDays: limitMs / DAY, usersTotal: a.usersTotal, deactivatedUsers: a.deactivatedUsers, usersWithOldMedia: a.usersWithOldMedia, oldMediaCount: a.oldMediaCount, sampleSize: a.usersChecked, violationCount: a.violations.length, violations: a.violations.slice(0, 20), keptApartCount: a.keptApart.length, keptApart: a.keptApart.slice(0, 20), conclusive: c.conclusive, note: c.note, auditMs: Date.now() - t0 });
    expect(a.violations.slice(0, 5), `local media stored longer than ${limitMs / DAY} days after upload (${a.oldMediaCount} files of ${a.usersWithOldMedia} users uploaded before the limit)`).toEqual([]);
    return;
  }

  const u = await users.create("media");
  const oldMxc = await upload(u, randomBytes(2048));
  const youngMxc = await upload(u, randomBytes(2048));
  const db = reference.db("instance");
  const oldId = parseMxc(oldMxc).mediaId;
  const youngId = parseMxc(youngMxc).mediaId;
  const backdatedTo = Date.now() - lifetime - DAY;
  const exists = (id: string) => db.number("SELECT count(*) FROM local_media_repository WHERE media_id = ?", [id]) === 1;
  expect(exists(oldId) && exists(youngId), "both uploads are stored").toBe(true);

  const t0 = Date.now();
  await waitFor("the instance's retention job to delete the backdated media", async () => {
    db.run("UPDATE local_media_repository SET created_ts = ?, last_access_ts = ? WHERE media_id = ?", [backdatedTo, backdatedTo, oldId]);
    return exists(oldId) ? undefined : true;
  }, { timeoutMs: mediaDeadline(target.timeScale), intervalMs: 250 });
  const purgedAfterMs = Date.now() - t0;
  expect((await download(u, oldMxc)).status, "the purged media is not served").toBe(404);
  expect(exists(youngId), "the young media is kept").toBe(true);
  expect((await download(u, youngMxc)).status, "the young media is served").toBe(200);

  await evidence(testInfo, { requirement: "BUM-2.5.local-media", proof: "live", how: "backdated", timeScale: target.timeScale, lifetimeDays: lifetime / DAY, backdatedDays: Math.round((Date.now() - backdatedTo) / DAY), purged: oldMxc, kept: youngMxc, purgedAfterMs });
});

test("BUM-2.5.remote-media media fetched from a federated instance is purged past its lifetime, and younger remote media survives (live on the reference; config, else audit, on a target)", async ({ profile, target, users, admin, reference }, testInfo) => {
  const lifetime = parseDuration(profile.contract.remoteMediaLifetime);
  const haveConfig = await test.step("config: media_retention.remote_media_lifetime against the contract", () => configProof(testInfo, target, profile, "remoteMedia", "BUM-2.5.remote-media"));

  if (!reference) {
    const limitMs = auditLimits(profile).remoteMediaMs;
    const t0 = Date.now();
    const a = await test.step("audit: cached remote media past the lifetime (admin room media lists, media info)", async () => auditRemoteMedia(admin, await listRoomIds(admin), limitMs, Date.now(), AUDIT_SAMPLE));
    const c = auditVerdict(testInfo, a.oldestRoomWithRemoteTs, limitMs, "room with remote media", haveConfig);
    await evidence(testInfo, { requirement: "BUM-2.5.remote-media", ...auditProof(c.conclusive, a.violations.length, haveConfig), agedBy: "cache time (created_ts)", limitDays: limitMs / DAY, roomsTotal: a.roomsTotal, sampleSize: a.roomsSampled, remoteReferences: a.remoteReferences, mediaChecked: a.checked, cached: a.cached, violationCount: a.violations.length, violations: a.violations.slice(0, 20), keptApartCount: a.keptApart.length, keptApart: a.keptApart.slice(0, 20), conclusive: c.conclusive, note: c.note, limitation: "the admin API lists media of unencrypted events only: attachments in end-to-end encrypted rooms are not seen", auditMs: Date.now() - t0 });
    expect(a.violations.slice(0, 5), `remote media cached longer than ${limitMs / DAY} days`).toEqual([]);
    return;
  }
  if (!target.partner) {
    test.skip(true, "the live remote media check needs the reference's partner instance (hs2)");
    return;
  }

  const [local, remote] = await Promise.all([users.create("reader"), users.create("sender", { on: "partner" })]);
  const oldMxc = await upload(remote, randomBytes(2048));
  const youngMxc = await upload(remote, randomBytes(2048));
  // hs1 fetches both over federation when its user downloads them: they land in hs1's remote media cache.
  expect((await download(local, oldMxc)).status, "hs1 serves the partner's media").toBe(200);
  expect((await download(local, youngMxc)).status).toBe(200);

  const db = reference.db("instance");
  const origin = target.partner.serverName;
  const oldId = parseMxc(oldMxc).mediaId;
  const youngId = parseMxc(youngMxc).mediaId;
  const cached = (id: string) => db.number("SELECT count(*) FROM remote_media_cache WHERE media_origin = ? AND media_id = ?", [origin, id]) === 1;
  expect(cached(oldId) && cached(youngId), "both are in hs1's remote media cache").toBe(true);

  const backdatedTo = Date.now() - lifetime - DAY;
  const t0 = Date.now();
  await waitFor("hs1's retention job to delete the backdated remote media", async () => {
    db.run("UPDATE remote_media_cache SET created_ts = ?, last_access_ts = ? WHERE media_origin = ? AND media_id = ?", [backdatedTo, backdatedTo, origin, oldId]);
    return cached(oldId) ? undefined : true;
  }, { timeoutMs: mediaDeadline(target.timeScale), intervalMs: 250 });
  const purgedAfterMs = Date.now() - t0;
  expect(cached(youngId), "the younger remote media stays cached").toBe(true);

  await evidence(testInfo, { requirement: "BUM-2.5.remote-media", proof: "live", how: "backdated", timeScale: target.timeScale, lifetimeDays: lifetime / DAY, backdatedDays: Math.round((Date.now() - backdatedTo) / DAY), origin, purged: oldMxc, kept: youngMxc, purgedAfterMs });
});
