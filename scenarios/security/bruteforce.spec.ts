import { test, expect, evidence } from "../../fixtures/index.ts";
import { wrongPasswordsUntilThrottled } from "../../src/security/bruteforce.ts";

test("SEC-bruteforce repeated wrong passwords for one account are throttled (429 with retry_after_ms) before the profile's number of attempts", async ({ users, profile }, testInfo) => {
  const max = profile.contract.bruteForceMaxAttempts;
  const victim = await users.create("victim");
  const result = await wrongPasswordsUntilThrottled(victim.baseUrl, victim.localpart, max);
  await evidence(testInfo, { requirement: "SEC-bruteforce", account: victim.userId, maxAttempts: max, ...result });
  expect(result.throttledAt, `no 429 within ${max} wrong passwords for one account`).toBeDefined();
  const last = result.attempts.at(-1)!;
  expect(last.errcode).toBe("M_LIMIT_EXCEEDED");
  expect(last.retryAfterMs, "the 429 says when to retry (retry_after_ms)").toBeGreaterThan(0);
});
