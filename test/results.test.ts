import { describe, expect, it } from "vitest";
import { loadProfile } from "../src/config/profile.ts";
import { aggregate, requirementIds, summarize, redact, type TestOutcome } from "../src/report/results.ts";

const profile = loadProfile("managed-bundesmessenger");

function outcome(title: string, status: TestOutcome["status"], extra: Partial<TestOutcome> = {}): TestOutcome {
  return { title, status, durationMs: 10, annotations: [], evidence: [], ...extra };
}

describe("requirement ids from test titles", () => {
  it("finds ids of every shape", () => {
    expect(requirementIds("BUM-2.1.a1 direct chat")).toEqual(["BUM-2.1.a1"]);
    expect(requirementIds("VSM-2.2.e2ee and BUM-2.1.d: server stores only ciphertext")).toEqual(["VSM-2.2.e2ee", "BUM-2.1.d"]);
    expect(requirementIds("BUM-7 reproduces the worked example.")).toEqual(["BUM-7"]);
    expect(requirementIds("SEC-admin-surface, VSM-2.1.no-public-bridge")).toEqual(["SEC-admin-surface", "VSM-2.1.no-public-bridge"]);
    expect(requirementIds("no id here; XBUM-2.1 neither")).toEqual([]);
  });
});

describe("aggregation into results", () => {
  const byId = (outcomes: TestOutcome[]) => Object.fromEntries(aggregate(profile, outcomes).map((r) => [r.id, r]));

  it("lists every requirement of the profile exactly once", () => {
    const reqs = aggregate(profile, []);
    expect(reqs.map((r) => r.id)).toEqual(profile.requirements.map((r) => r.id));
    expect(new Set(reqs.map((r) => r.id)).size).toBe(reqs.length);
  });
  it("marks a requirement without tests as skipped: no check implemented", () => {
    expect(byId([])["BUM-2.1.b"]).toMatchObject({ status: "skipped", reason: "no check implemented" });
  });
  it("marks the profile's manual items manual with their reason", () => {
    expect(byId([])["BUM-3.2.6"]).toMatchObject({ status: "manual", reason: expect.stringMatching(/cannot be observed/) });
  });
  it("passes a requirement whose tests passed, and fails it when any test failed", () => {
    const r = byId([
      outcome("BUM-2.1.a1 one", "passed", { evidence: [{ roomId: "!r" }] }),
      outcome("BUM-2.1.a2 one", "passed"),
      outcome("BUM-2.1.a2 two", "failed", { error: "\u001b[31mexpected encrypted\u001b[39m\n  at line" }),
    ]);
    expect(r["BUM-2.1.a1"]).toMatchObject({ status: "passed", evidence: [{ roomId: "!r" }] });
    expect(r["BUM-2.1.a2"]).toMatchObject({ status: "failed", reason: "expected encrypted" });
    expect(r["BUM-2.1.a2"]!.tests).toHaveLength(2);
  });
  it("maps one test to every id in its title", () => {
    const r = byId([outcome("BUM-2.1.d BUM-2.1.a2 group is encrypted", "passed")]);
    expect(r["BUM-2.1.d"]!.status).toBe("passed");
    expect(r["BUM-2.1.a2"]!.status).toBe("passed");
  });
  it("keeps skip reasons, and turns a 'manual' annotation into manual", () => {
    const r = byId([
      outcome("BUM-2.4 sso", "skipped", { annotations: [{ type: "skip", description: "no IdP configured (MXACCEPT_IDP_URL)" }] }),
      outcome("BUM-5.3.c apps", "skipped", { annotations: [{ type: "manual", description: "mobile apps are not observable" }] }),
    ]);
    expect(r["BUM-2.4"]).toMatchObject({ status: "skipped", reason: "no IdP configured (MXACCEPT_IDP_URL)" });
    expect(r["BUM-5.3.c"]).toMatchObject({ status: "manual", reason: "mobile apps are not observable" });
  });
  it("leaves an item manual when its passed tests declare they proved only a part (annotation 'manual')", () => {
    const part = { annotations: [{ type: "manual", description: "a month cannot be observed in a run" }], evidence: [{ availability: 1 }] };
    expect(byId([outcome("BUM-3.2.7 canary", "passed", part)])["BUM-3.2.7"]).toMatchObject({ status: "manual", reason: "a month cannot be observed in a run", evidence: [{ availability: 1 }] });
    expect(byId([outcome("BUM-3.2.7 canary", "failed", { ...part, error: "probe failed" })])["BUM-3.2.7"]!.status).toBe("failed");
    expect(byId([outcome("BUM-3.2.7 canary", "passed", part), outcome("BUM-3.2.7 month", "passed")])["BUM-3.2.7"]!.status).toBe("passed");
  });
  it("never passes a manual item, but a failing test still fails it", () => {
    expect(byId([outcome("BUM-3.2.6 backup", "passed")])["BUM-3.2.6"]!.status).toBe("manual");
    expect(byId([outcome("BUM-3.2.6 backup", "failed", { error: "no backup" })])["BUM-3.2.6"]!.status).toBe("failed");
  });
  it("ignores tests whose ids are not in the profile", () => {
    const reqs = aggregate(profile, [outcome("VSM-7 e-mail login", "failed")]);
    expect(reqs.some((r) => r.tests.length)).toBe(false);
  });
  it("counts the summary by status", () => {
    const reqs = aggregate(profile, [outcome("BUM-2.1.a1 x", "passed"), outcome("BUM-2.1.b x", "failed")]);
    expect(summarize(reqs)).toEqual({ passed: 1, failed: 1, skipped: profile.requirements.length - 3, manual: 1 });
  });
  it("redacts secrets", () => {
    expect(redact('{"t":"syt_abcdefgh","u":"ok"}', ["syt_abcdefgh"])).toBe('{"t":"<redacted>","u":"ok"}');
  });
});
