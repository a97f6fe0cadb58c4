import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import { retentionPlan, auditMessages } from "../src/report/retention.ts";

const DAY = 86_400_000;

describe("retention arithmetic", () => {
  it("audits against the contract lifetime plus one purge interval at scale 1", () => {
    expect(retentionPlan(loadProfile("managed-bundesmessenger"), 1)).toEqual({ mode: "audit", lifetimeMs: 365 * DAY, purgeIntervalMs: DAY, auditLimitMs: 366 * DAY });
    expect(retentionPlan(loadProfile("vodafone-secure-messenger"), 1)).toMatchObject({ lifetimeMs: 30 * DAY, auditLimitMs: 31 * DAY });
  });
  it("uses the scaled lifetime and purge interval live", () => {
    expect(retentionPlan(loadProfile("managed-bundesmessenger"), 1_051_200)).toMatchObject({ mode: "live", lifetimeMs: 30_000, purgeIntervalMs: 3_000 });
    expect(retentionPlan(loadProfile("vodafone-secure-messenger"), 86_400)).toMatchObject({ mode: "live", lifetimeMs: 30_000, purgeIntervalMs: 3_000 });
  });
  it("lists messages older than the limit, and the latest event of a room apart", () => {
    const now = 1_000 * DAY;
    const found = auditMessages([
      { roomId: "!a", eventId: "$old", ts: now - 400 * DAY, latestInRoom: false },
      { roomId: "!a", eventId: "$young", ts: now - 10 * DAY, latestInRoom: false },
      { roomId: "!b", eventId: "$last", ts: now - 500 * DAY, latestInRoom: true },
    ], 366 * DAY, now);
    expect(found.violations.map((v) => [v.eventId, v.ageMs / DAY])).toEqual([["$old", 400]]);
    expect(found.keptLatest.map((v) => v.eventId)).toEqual(["$last"]);
  });
});
