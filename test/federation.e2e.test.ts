import { describe, expect, it } from "vitest";
import type { Results } from "../src/report/results.ts";
import { runWithOverlayOn } from "./helpers/cli.ts";

/**
 * The federation checks in the other direction: an instance that breaks a requirement must fail exactly it.
 * Each case starts the reference instance with an hs1 overlay, runs the federation suite, and reads results.json.
 */
const tested = (r: Results) => Object.fromEntries(r.requirements.filter((q) => q.tests.some((t) => t.status !== "skipped" && t.status !== "not-run")).map((q) => [q.id, q.status]));

describe("federation checks fail a broken instance", () => {
  it("federation open to everyone (no allowlist on hs1) fails BUM-2.2 by its outsider check; the partner check passes", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("federation", "federation_domain_whitelist: null\n", ["--profile", "managed-bundesmessenger"]);
    expect(code).toBe(1);
    expect(tested(results)).toEqual({ "BUM-2.2": "failed" });
    const req = results.requirements.find((r) => r.id === "BUM-2.2")!;
    const byTitle = Object.fromEntries(req.tests.map((t) => [t.title.split(" ").slice(0, 3).join(" "), t.status]));
    expect(req.tests.find((t) => /outside the allowlist/.test(t.title))!.status, JSON.stringify(byTitle)).toBe("failed");
    expect(req.tests.find((t) => /allowlisted partner/.test(t.title))!.status, JSON.stringify(byTitle)).toBe("passed");
    expect(req.reason).toMatch(/is refused by the server/);
  });

  it("a reference instance without the group size module fails exactly VSM-4.2.group-limit", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("federation", "modules: []\n", ["--profile", "vodafone-secure-messenger", "--group-limit", "20", "--grep", "VSM-4\\.2\\."]);
    expect(code).toBe(1);
    expect(tested(results)).toEqual({ "VSM-4.2.group-limit": "failed", "VSM-4.2.roles": "passed" });
    expect(results.requirements.find((r) => r.id === "VSM-4.2.group-limit")!.reason).toMatch(/join of member 21 is refused/);
  });
});
