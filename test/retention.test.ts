import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import { retentionPlan, auditLimits, judgeMessages, judgeMedia, conclusiveness, sampleEvenly } from "../src/checks/retention-audit.ts";

const DAY = 86_400_000;

describe("retention arithmetic", () => {
  it("backdates at scale 1 with the contract's lifetime and the reference's 20 s purge interval", () => {
    expect(retentionPlan(loadProfile("managed-bundesmessenger"), 1)).toEqual({ live: "backdate", lifetimeMs: 365 * DAY, purgeIntervalMs: 20_000 });
    expect(retentionPlan(loadProfile("vodafone-secure-messenger"), 1)).toMatchObject({ live: "backdate", lifetimeMs: 30 * DAY });
  });
  it("waits out the scaled lifetime on a time-scaled instance", () => {
    expect(retentionPlan(loadProfile("managed-bundesmessenger"), 1_051_200)).toMatchObject({ live: "natural", lifetimeMs: 30_000, purgeIntervalMs: 3_000 });
    expect(retentionPlan(loadProfile("vodafone-secure-messenger"), 86_400)).toMatchObject({ live: "natural", lifetimeMs: 30_000, purgeIntervalMs: 3_000 });
  });
  it("audits against the contract's lifetimes plus one day", () => {
    expect(auditLimits(loadProfile("managed-bundesmessenger"))).toEqual({ messagesMs: 366 * DAY, localMediaMs: 91 * DAY, remoteMediaMs: 15 * DAY });
  });
});

describe("retention audit", () => {
  const now = 1_000 * DAY;
  it("fails a room that keeps two messages past the limit, and lists a single one (Synapse's purge point) apart", () => {
    const found = judgeMessages([
      { roomId: "!a", createdTs: now - 500 * DAY, pages: 2, oldestMessages: [{ eventId: "$a1", ts: now - 400 * DAY }, { eventId: "$a2", ts: now - 390 * DAY }] },
      { roomId: "!b", createdTs: now - 500 * DAY, pages: 1, oldestMessages: [{ eventId: "$b1", ts: now - 400 * DAY }, { eventId: "$b2", ts: now - 10 * DAY }] },
      { roomId: "!c", createdTs: now - 20 * DAY, pages: 1, oldestMessages: [{ eventId: "$c1", ts: now - 10 * DAY }] },
    ], 366 * DAY, now);
    expect(found.violations.map((v) => [v.roomId, v.eventId, v.ageDays])).toEqual([["!a", "$a1", 400]]);
    expect(found.keptPurgePoint.map((v) => v.eventId)).toEqual(["$b1"]);
  });
  it("ages media by upload time, so a file downloaded yesterday still counts; avatars and quarantined files apart", () => {
    const found = judgeMedia([
      { media_id: "old-but-read", created_ts: now - 120 * DAY, last_access_ts: now - DAY, userId: "@a:x" },
      { media_id: "young", created_ts: now - 10 * DAY },
      { media_id: "avatar", created_ts: now - 300 * DAY },
      { media_id: "quarantined", created_ts: now - 300 * DAY, quarantined_by: "@admin:x" },
    ], 91 * DAY, now, new Set(["avatar"]));
    expect(found.violations).toEqual([{ mediaId: "old-but-read", userId: "@a:x", ageDays: 120, lastAccessDaysAgo: 1 }]);
    expect(found.keptApart.map((k) => [k.mediaId, k.why])).toEqual([["avatar", "profile avatar"], ["quarantined", "quarantined (not served)"]]);
  });
  it("is conclusive only when the audited data reaches past the limit, and says from when", () => {
    expect(conclusiveness(now - 400 * DAY, 366 * DAY, now, "room")).toMatchObject({ conclusive: true, oldestAgeDays: 400 });
    const c = conclusiveness(Date.UTC(2026, 10, 1), 366 * DAY, Date.UTC(2026, 10, 13), "room");
    expect(c).toMatchObject({ conclusive: false, oldestAgeDays: 12, conclusiveFrom: "2027-11-02" });
    expect(c.note).toBe("oldest room 12 days old; conclusive from 2027-11-02");
    expect(conclusiveness(undefined, DAY, now, "room with remote media")).toMatchObject({ conclusive: false, note: "no room with remote media stored, nothing to audit" });
  });
  it("samples evenly and deterministically", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    const s = sampleEvenly(ids, 200);
    expect(s).toHaveLength(200);
    expect(s.slice(0, 3)).toEqual([0, 5, 10]);
    expect(sampleEvenly([1, 2], 200)).toEqual([1, 2]);
  });
});
