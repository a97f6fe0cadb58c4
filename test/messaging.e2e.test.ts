import { describe, expect, it } from "vitest";
import type { Results } from "../src/report/results.ts";
import { loadProfile } from "../src/config/profile.ts";
import { runWithOverlayOn } from "./helpers/cli.ts";

/**
 * The messaging checks in the other direction: an instance that breaks a requirement must fail it.
 * Each case starts the reference instance with an overlay, runs the messaging suite, and reads results.json.
 */
const runWithOverlay = (overlayYaml: string, args: string[]) => runWithOverlayOn("messaging", overlayYaml, args);

// The statuses of the messaging suite's requirements (other suites are not selected in these runs).
const messagingIds = new Set(loadProfile("managed-bundesmessenger").requirements.filter((q) => q.suite === "messaging").map((q) => q.id));
const status = (r: Results) => Object.fromEntries(r.requirements.filter((q) => messagingIds.has(q.id) && q.tests.some((t) => t.status !== "not-run")).map((q) => [q.id, q.status]));

describe("messaging checks fail a broken instance", () => {
  // Encryption by default off (BUM-2.1.d fails, BUM-2.1.a1 passes): test/run.e2e.test.ts, which also checks the
  // run's table, record and report of that broken instance.
  it("a user directory limited to shared rooms fails exactly BUM-2.1.e, every other messaging check passes", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlay("user_directory:\n  enabled: true\n  search_all_users: false\n", []);
    expect(code).toBe(1);
    const s = status(results);
    expect(s["BUM-2.1.e"]).toBe("failed");
    expect(results.requirements.find((r) => r.id === "BUM-2.1.e")!.reason).toMatch(/user directory finds/);
    const others = Object.entries(s).filter(([id]) => id !== "BUM-2.1.e");
    expect(others.length).toBeGreaterThanOrEqual(8);
    for (const [id, st] of others) expect(st, id).toBe("passed");
  });
});
