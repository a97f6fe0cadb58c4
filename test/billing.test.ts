import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import { priceMonth, tierFor, formatEur } from "../src/report/billing.ts";

const prices = loadProfile("managed-bundesmessenger").contract.prices!;

describe("BUM-7 billing arithmetic", () => {
  it("reproduces the seed's worked example exactly: 960 users, 1000 GB → 2,896.00 €", () => {
    const b = priceMonth(prices, { users: 960, storageGB: 1000 });
    expect(b.tier).toBe("ML.1b");
    expect(b.lines.map((l) => [l.code, l.quantity, l.totalCents])).toEqual([["ML.1b", 960, 192_000], ["ML.2", 40, 1_600], ["ML.3", 960, 96_000]]);
    expect(b.totalCents).toBe(289_600);
    expect(b.totalCents / 100).toBe(prices.workedExample.totalEur);
    expect(formatEur(b.totalCents)).toBe("2.896,00 €");
  });

  const boundaries: [number, string, number][] = [
    [49, "ML.1", 50 * 250], [50, "ML.1", 50 * 250], [199, "ML.1", 199 * 250],
    [200, "ML.1a", 200 * 225], [500, "ML.1a", 500 * 225], [501, "ML.1b", 501 * 200], [999, "ML.1b", 999 * 200],
    [1_000, "ML.1c", 1_000 * 180], [4_999, "ML.1c", 4_999 * 180], [5_000, "ML.1d", 5_000 * 150], [29_999, "ML.1d", 29_999 * 150],
    [30_000, "ML.1e", 30_000 * 120], [49_999, "ML.1e", 49_999 * 120], [50_000, "ML.1f", 50_000 * 110],
  ];
  for (const [users, code, ml1Cents] of boundaries) {
    it(`${users} users: tier ${code}, ML.1 ${ml1Cents / 100} €`, () => {
      expect(tierFor(prices, users).code).toBe(code);
      const b = priceMonth(prices, { users, storageGB: 0 });
      expect(b.lines[0]).toMatchObject({ code, totalCents: ml1Cents });
      expect(b.lines[2]!.totalCents, "ML.3 counts registered users, no minimum").toBe(users * 100);
    });
  }

  it("bills storage beyond the pooled allowance in whole 1 GB steps", () => {
    expect(priceMonth(prices, { users: 100, storageGB: 100 }).extraGB).toBe(0);
    expect(priceMonth(prices, { users: 100, storageGB: 100.2 }).extraGB).toBe(1);
    expect(priceMonth(prices, { users: 100, storageGB: 102 }).lines[1]!.totalCents).toBe(80);
  });

  it("refuses impossible usage", () => {
    expect(() => priceMonth(prices, { users: -1, storageGB: 0 })).toThrow(/whole number/);
    expect(() => priceMonth(prices, { users: 1.5, storageGB: 0 })).toThrow(/whole number/);
  });
});
