import { randomBytes } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";
import { upload } from "../../src/matrix/attachments.ts";
import { measureUsage } from "../../src/report/usage.ts";

const GIB = 1024 ** 3;

test("BUM-2.6 storage is measured per user and in total; the pooled allowance and the extension steps are reported", async ({ profile, admin, users }, testInfo) => {
  // Two uploads of known size by a test user: the statistics must count exactly these bytes for that user.
  const u = await users.create("storage");
  const sizes = [300 * 1024, 700 * 1024];
  for (const n of sizes) await upload(u, randomBytes(n));
  const usage = await measureUsage(admin);
  const mine = usage.perUser.find((p) => p.userId === u.userId);
  expect(mine, "the media statistics list the test user").toBeDefined();
  expect(mine!.mediaBytes, "bytes counted for the test user").toBe(sizes[0]! + sizes[1]!);
  expect(mine!.mediaCount).toBe(2);
  expect(usage.harnessBytes).toBeGreaterThanOrEqual(sizes[0]! + sizes[1]!);

  // The contract: users × 1 GB pooled; beyond it, extensions in 1 GB steps.
  const allowanceBytes = usage.users * profile.contract.storagePerUserGiB * GIB;
  const stepBytes = profile.contract.storageStepGiB * GIB;
  const extensionSteps = Math.max(0, Math.ceil((usage.mediaBytes - allowanceBytes) / stepBytes));
  await evidence(testInfo, {
    requirement: "BUM-2.6",
    proof: "measurement",
    users: usage.users,
    customerMediaBytes: usage.mediaBytes,
    harnessMediaBytes: usage.harnessBytes,
    pooledAllowanceBytes: allowanceBytes,
    usedShare: allowanceBytes ? Math.round((usage.mediaBytes / allowanceBytes) * 10_000) / 100 : null,
    extensionStepsNeeded: extensionSteps,
    note: usage.note,
    topUsers: [...usage.perUser].sort((a, b) => b.mediaBytes - a.mediaBytes).slice(0, 10),
  });
});
