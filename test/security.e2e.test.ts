import { describe, expect, it } from "vitest";
import type { Results } from "../src/report/results.ts";
import { runWithOverlayOn } from "./helpers/cli.ts";

/**
 * The security checks in the other direction: the reference instance with an overlay that breaks one
 * requirement (the VSM profile, which holds every security id but BUM-5.3.e) must fail exactly that one.
 * The transport checks cannot be broken through Synapse's configuration (it refuses TLS < 1.2 and plain HTTP on
 * its TLS listener); test/security.test.ts shows their probes failing small servers that break them.
 */
const run = (overlayYaml: string) => runWithOverlayOn("security", overlayYaml, ["--profile", "vodafone-secure-messenger"]);
const SECURITY = ["VSM-1", "VSM-2.2.tls", "SEC-admin-surface", "SEC-bruteforce", "SEC-anonymous"];
const status = (r: Results) => Object.fromEntries(r.requirements.filter((q) => SECURITY.includes(q.id)).map((q) => [q.id, q.status]));
const reason = (r: Results, id: string) => r.requirements.find((q) => q.id === id)!.reason ?? "";
const passedBut = (failed: string[]) => Object.fromEntries(SECURITY.map((id) => [id, failed.includes(id) ? "failed" : "passed"]));

describe("security checks fail a broken instance", () => {
  it("open registration fails VSM-1, and login rate limits switched off fail SEC-bruteforce; the rest passes", { timeout: 300_000 }, async () => {
    // Both per-account (failed_attempts) and per-address limits throttle a guesser from one address: both off.
    const { code, results } = await run([
      "enable_registration: true",
      "enable_registration_without_verification: true",
      "rc_login:",
      "  address: { per_second: 1000, burst_count: 1000 }",
      "  account: { per_second: 1000, burst_count: 1000 }",
      "  failed_attempts: { per_second: 1000, burst_count: 1000 }",
      "",
    ].join("\n"));
    expect(code).toBe(1);
    expect(status(results)).toEqual(passedBut(["VSM-1", "SEC-bruteforce"]));
    expect(reason(results, "VSM-1")).toMatch(/self-registration without an admin is not refused \(200/);
    expect(reason(results, "SEC-bruteforce")).toMatch(/no 429 within 10 wrong passwords/);
  });

  it("guest access fails VSM-1 and nothing else", { timeout: 300_000 }, async () => {
    const { code, results } = await run("allow_guest_access: true\n");
    expect(code).toBe(1);
    expect(status(results)).toEqual(passedBut(["VSM-1"]));
    expect(reason(results, "VSM-1")).toMatch(/guest access is not refused \(200: got guest @/);
  });

  it("a room directory readable without a login fails SEC-anonymous and VSM-1 (both require it) and nothing else", { timeout: 300_000 }, async () => {
    const { code, results } = await run("allow_public_rooms_without_auth: true\n");
    expect(code).toBe(1);
    expect(status(results)).toEqual(passedBut(["VSM-1", "SEC-anonymous"]));
    expect(reason(results, "SEC-anonymous")).toMatch(/room directory \(GET\) answered 200 without a login/);
    expect(reason(results, "VSM-1")).toMatch(/room directory \(GET\) answered 200 without a login/);
  });
});
