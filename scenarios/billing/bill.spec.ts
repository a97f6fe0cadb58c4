import { randomBytes } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { upload } from "../../src/matrix/attachments.ts";
import { priceMonth, formatEur } from "../../src/report/billing.ts";
import { measureUsage } from "../../src/report/usage.ts";

test("BUM-7 the price table reproduces the worked example, and the live instance is priced from its counted users and measured storage", async ({ profile, admin, users }, testInfo) => {
  const prices = profile.contract.prices;
  expect(prices, `profile ${profile.id} has a price table`).toBeDefined();
  const example = priceMonth(prices!, { users: prices!.workedExample.users, storageGB: prices!.workedExample.storageGB });
  expect(example.totalCents / 100, "the seed's worked example").toBe(prices!.workedExample.totalEur);

  // The measurement sees what the instance stores: 1 MiB uploaded by a test user shows in the media statistics.
  const u = await users.create("uploader");
  const bytes = randomBytes(1024 * 1024);
  await upload(u, bytes, "application/octet-stream");
  const usage = await measureUsage(admin);
  const mine = usage.perUser.find((p) => p.userId === u.userId);
  expect(mine?.mediaBytes, "the statistics count the test upload").toBe(bytes.length);
  expect(usage.harnessBytes, "the harness's own uploads are accounted apart, not billed").toBeGreaterThanOrEqual(bytes.length);

  const bill = priceMonth(prices!, usage, profile.contract.storagePerUserGiB);
  expect(bill.billedUsers).toBeGreaterThanOrEqual(prices!.minimumBilledUsers);
  await evidence(testInfo, {
    requirement: "BUM-7",
    proof: "calculation",
    workedExample: { users: example.users, storageGB: example.storageGB, total: formatEur(example.totalCents) },
    live: { note: usage.note, users: usage.users, storageGB: usage.storageGB, tier: bill.tier, lines: bill.lines.map((l) => ({ code: l.code, quantity: l.quantity, total: formatEur(l.totalCents) })), total: formatEur(bill.totalCents) },
  });
});
