import { test, expect, evidence, inconclusive } from "../../fixtures/index.ts";
import { wrongPasswordsUntilThrottled, perAccount } from "../../src/security/bruteforce.ts";

// @exclusive: the wrong passwords get this client's address throttled by the login limiter, so every later login
// from it may fail for a while: `mxaccept run` runs it after every other check, alone and last (playwright.config.ts).
test("SEC-bruteforce repeated wrong passwords for one account are throttled (429 with retry_after_ms) before the profile's number of attempts, and the throttle is the account's (another account still logs in from that address, or the account stays throttled from another address)", { tag: "@exclusive" }, async ({ users, profile }, testInfo) => {
  const max = profile.contract.bruteForceMaxAttempts;
  const victim = await users.create("victim");
  const bystander = await users.create("bystander");
  const result = await wrongPasswordsUntilThrottled(victim.baseUrl, victim.localpart, max);
  // Right after the 429 (the throttle lapses after retry_after_ms): is it the account's, or the address's?
  const account = result.throttledAt !== undefined ? await perAccount(victim.baseUrl, result, victim, bystander) : undefined;
  await evidence(testInfo, { requirement: "SEC-bruteforce", account: victim.userId, otherAccount: bystander.userId, maxAttempts: max, ...result, perAccount: account });
  expect(result.throttledAt, `no 429 within ${max} wrong passwords for one account`).toBeDefined();
  const last = result.attempts.at(-1)!;
  expect(last.errcode).toBe("M_LIMIT_EXCEEDED");
  expect(account!.verdict, account!.reason).not.toBe("general");
  expect(typeof last.retryAfterMs === "number" && last.retryAfterMs > 0, `the 429 says when to retry: retry_after_ms (the ${last.status} ${last.errcode ?? ""} came ${last.retryAfterMs === undefined ? "without it" : `with ${last.retryAfterMs}`})`).toBe(true);
  if (account!.verdict === "undecided") inconclusive(testInfo, account!.reason);
});
