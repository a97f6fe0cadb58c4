import { randomBytes } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { upload, download, parseMxc } from "../../src/matrix/attachments.ts";
import { parseDuration } from "../../src/config/duration.ts";
import { waitFor } from "../../src/matrix/timeouts.ts";
import { referenceDbPath, withDb } from "../../src/stack/reference-db.ts";

const DAY = 86_400_000;
const CHECK_PERIOD = 3_600_000; // Synapse's media retention period
const FLUSH = 60_000; // Synapse writes last-access times once a minute

/**
 * Media retention, live on the time-scaled reference instance: one file is made older than its lifetime by
 * backdating it in the database (Synapse flushes access times once a minute, so the backdate is re-applied
 * until the purge has happened), another stays young. The instance's own retention job must delete the old
 * one and keep the young one.
 */
test("BUM-2.5.local-media local media past its lifetime is purged, and media within its lifetime survives", async ({ profile, target, users, admin }, testInfo) => {
  const lifetime = parseDuration(profile.contract.localMediaLifetime);
  if (!(target.embedded && target.timeScale > 1)) {
    // Audit, read-only: the oldest media of every local user, by last access.
    const violations: { userId: string; mediaId: string; ageDays: number }[] = [];
    let checked = 0;
    for (const u of await admin.listUsers()) {
      const { body } = await admin.request<{ media: { media_id: string; created_ts: number; last_access_ts: number | null }[] }>("GET", `_synapse/admin/v1/users/${encodeURIComponent(u.name)}/media`, { query: { order_by: "last_access_ts", dir: "f", limit: 5 } });
      for (const m of body.media) {
        checked++;
        const age = Date.now() - (m.last_access_ts ?? m.created_ts);
        if (age > lifetime + CHECK_PERIOD + FLUSH) violations.push({ userId: u.name, mediaId: m.media_id, ageDays: Math.round((age / DAY) * 10) / 10 });
      }
    }
    await evidence(testInfo, { requirement: "BUM-2.5.local-media", mode: "audit", lifetimeDays: lifetime / DAY, mediaChecked: checked, violations });
    expect(violations, `local media older than ${lifetime / DAY} days (+ check period)`).toEqual([]);
    return;
  }

  const u = await users.create("media");
  const oldMxc = await upload(u, randomBytes(2048));
  const youngMxc = await upload(u, randomBytes(2048));
  const db = referenceDbPath(target, target);
  const oldId = parseMxc(oldMxc).mediaId;
  const youngId = parseMxc(youngMxc).mediaId;
  const backdatedTo = Date.now() - lifetime - DAY;
  const exists = (id: string) => withDb(db, (d) => (d.prepare("SELECT count(*) AS n FROM local_media_repository WHERE media_id = ?").get(id) as { n: number }).n === 1);
  expect(exists(oldId) && exists(youngId), "both uploads are stored").toBe(true);

  const t0 = Date.now();
  await waitFor("the instance's retention job to delete the backdated media", async () => {
    withDb(db, (d) => d.prepare("UPDATE local_media_repository SET created_ts = ?, last_access_ts = ? WHERE media_id = ?").run(backdatedTo, backdatedTo, oldId));
    return exists(oldId) ? undefined : true;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  const purgedAfterMs = Date.now() - t0;
  expect((await download(u, oldMxc)).status, "the purged media is not served").toBe(404);
  expect(exists(youngId), "the young media is kept").toBe(true);
  expect((await download(u, youngMxc)).status, "the young media is served").toBe(200);

  await evidence(testInfo, { requirement: "BUM-2.5.local-media", mode: "live", lifetimeDays: lifetime / DAY, backdatedDays: (Date.now() - backdatedTo) / DAY, purged: oldMxc, kept: youngMxc, purgedAfterMs });
});

test("BUM-2.5.remote-media media fetched from a federated instance is purged past its lifetime, and younger remote media survives", async ({ profile, target, users }, testInfo) => {
  const lifetime = parseDuration(profile.contract.remoteMediaLifetime);
  if (!(target.embedded && target.timeScale > 1 && target.partner)) {
    testInfo.annotations.push({ type: "manual", description: "no admin API lists a homeserver's remote media cache; proven live on the time-scaled reference instance, to be confirmed by the operator for a target" });
    test.skip(true, "remote media retention is checked live on the time-scaled reference instance");
    return;
  }
  const [local, remote] = await Promise.all([users.create("reader"), users.create("sender", { on: "partner" })]);
  const oldMxc = await upload(remote, randomBytes(2048));
  const youngMxc = await upload(remote, randomBytes(2048));
  // hs1 fetches both over federation when its user downloads them: they land in hs1's remote media cache.
  expect((await download(local, oldMxc)).status, "hs1 serves the partner's media").toBe(200);
  expect((await download(local, youngMxc)).status).toBe(200);

  const db = referenceDbPath(target, target);
  const origin = target.partner!.serverName;
  const oldId = parseMxc(oldMxc).mediaId;
  const youngId = parseMxc(youngMxc).mediaId;
  const cached = (id: string) => withDb(db, (d) => (d.prepare("SELECT count(*) AS n FROM remote_media_cache WHERE media_origin = ? AND media_id = ?").get(origin, id) as { n: number }).n === 1);
  expect(cached(oldId) && cached(youngId), "both are in hs1's remote media cache").toBe(true);

  const backdatedTo = Date.now() - lifetime - DAY;
  const t0 = Date.now();
  await waitFor("hs1's retention job to delete the backdated remote media", async () => {
    withDb(db, (d) => d.prepare("UPDATE remote_media_cache SET created_ts = ?, last_access_ts = ? WHERE media_origin = ? AND media_id = ?").run(backdatedTo, backdatedTo, origin, oldId));
    return cached(oldId) ? undefined : true;
  }, { timeoutMs: 30_000, intervalMs: 250 });
  const purgedAfterMs = Date.now() - t0;
  expect(cached(youngId), "the younger remote media stays cached").toBe(true);

  await evidence(testInfo, { requirement: "BUM-2.5.remote-media", mode: "live", lifetimeDays: lifetime / DAY, origin, purged: oldMxc, kept: youngMxc, purgedAfterMs });
});
