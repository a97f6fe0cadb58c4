import { randomBytes } from "node:crypto";
import { test, expect, evidence } from "../../fixtures/index.ts";

const REFUSALS = ["M_USER_LIMIT_EXCEEDED", "M_RESOURCE_LIMIT_EXCEEDED", "M_TOO_LARGE"];

test("VSM-2.2.storage a user's uploads up to 1 GB succeed, and the upload that would pass 1 GB is refused", async ({ profile, target, users, admin, media }, testInfo) => {
  const quota = Math.floor((profile.contract.storagePerUserGiB * 1024 ** 3) / target.sizeScale);
  test.skip(target.sizeScale === 1 && !target.destructive, `filling a user's ${profile.contract.storagePerUserGiB} GB needs MXACCEPT_DESTRUCTIVE=allow (or the reference instance with --size-scale)`);
  const config = await admin.mediaConfig();
  const maxUpload = Number(config["m.upload.size"] ?? 50 * 1024 ** 2);
  const u = await users.create("quota");

  // Fill the quota exactly, in uploads no larger than the server's max upload size.
  const chunk = Math.min(maxUpload, Math.ceil(quota / 4));
  let stored = 0;
  const accepted: number[] = [];
  while (stored < quota) {
    const n = Math.min(chunk, quota - stored);
    await media.upload(u, randomBytes(n));
    stored += n;
    accepted.push(n);
  }
  expect(stored, "uploads up to the quota succeeded").toBe(quota);

  // One more byte would pass the quota: the server must refuse it.
  const refused = await media.tryUpload(u, randomBytes(1));
  expect(refused.mxc, `the upload beyond the quota is refused (answered ${refused.status})`).toBeUndefined();
  expect(REFUSALS, `refusal code (got ${refused.status} ${refused.errcode})`).toContain(refused.errcode);

  await evidence(testInfo, { requirement: "VSM-2.2.storage", userId: u.userId, quotaBytes: quota, sizeScale: target.sizeScale, uploads: accepted, refusal: { status: refused.status, errcode: refused.errcode } });
});
