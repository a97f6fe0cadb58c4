import { describe, expect, it } from "vitest";
import { loadProfile, type Profile } from "../src/config/profile.ts";
import { aggregate, requirementIds, summarize, redact, selectionGrep, whyNotRun, verdictLine, grepTitle, checkOf, type TestOutcome, type CatalogueEntry } from "../src/report/results.ts";
import { entriesOfListReport, staticCatalogue } from "../src/report/catalogue.ts";
import { junitXml } from "../src/report/junit.ts";
import { formatTable } from "../src/report/table.ts";
import { completeAllureResults } from "../src/report/allure.ts";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const profile = loadProfile("managed-bundesmessenger");
const vsm = loadProfile("vodafone-secure-messenger");

function outcome(title: string, status: TestOutcome["status"], extra: Partial<TestOutcome> = {}): TestOutcome {
  return { title, status, durationMs: 10, annotations: [], evidence: [], ...extra };
}
const skip = (description: string) => ({ annotations: [{ type: "skip", description }] });
const entry = (file: string, title: string): CatalogueEntry => ({ file, describes: [], title });

describe("requirement ids from test titles", () => {
  it("finds ids of every shape", () => {
    expect(requirementIds("BUM-2.1.a1 direct chat")).toEqual(["BUM-2.1.a1"]);
    expect(requirementIds("VSM-2.2.e2ee and BUM-2.1.d: server stores only ciphertext")).toEqual(["VSM-2.2.e2ee", "BUM-2.1.d"]);
    expect(requirementIds("BUM-7 reproduces the worked example.")).toEqual(["BUM-7"]);
    expect(requirementIds("SEC-admin-surface, VSM-2.1.no-public-bridge")).toEqual(["SEC-admin-surface", "VSM-2.1.no-public-bridge"]);
    expect(requirementIds("no id here; XBUM-2.1 neither")).toEqual([]);
  });
});

describe("status of a requirement from its checks", () => {
  const byId = (outcomes: TestOutcome[], catalogue: CatalogueEntry[] = [], p: Profile = profile, selection = {}) =>
    Object.fromEntries(aggregate(p, outcomes, { catalogue, selection }).map((r) => [r.id, r]));

  it("lists every requirement of the profile exactly once", () => {
    const reqs = aggregate(profile, []);
    expect(reqs.map((r) => r.id)).toEqual(profile.requirements.map((r) => r.id));
  });
  it("skipped, 'no check implemented', when no check carries the id", () => {
    expect(byId([])["BUM-2.1.b"]).toMatchObject({ status: "skipped", reason: "no check implemented", tests: [] });
  });
  it("manual for the profile's manual items, with their reason; a failing check still fails it", () => {
    expect(byId([])["BUM-3.2.6"]).toMatchObject({ status: "manual", reason: expect.stringMatching(/cannot be observed/) });
    expect(byId([outcome("BUM-3.2.6 backup", "passed")])["BUM-3.2.6"]!.status).toBe("manual");
    expect(byId([outcome("BUM-3.2.6 backup", "failed", { error: "no backup" })])["BUM-3.2.6"]!.status).toBe("failed");
  });
  it("passed only when every check passed; failed when any check failed, with the failure's first line", () => {
    const r = byId([
      outcome("BUM-2.1.a1 one", "passed", { evidence: [{ roomId: "!r" }] }),
      outcome("BUM-2.1.a2 one", "passed"),
      outcome("BUM-2.1.a2 two", "failed", { error: "\u001b[31mexpected encrypted\u001b[39m\n  at line" }),
      outcome("BUM-2.1.a2 three", "skipped", skip("no partner")),
    ]);
    expect(r["BUM-2.1.a1"]).toMatchObject({ status: "passed", evidence: [{ roomId: "!r" }], tests: [{ status: "passed", proof: "live" }] });
    expect(r["BUM-2.1.a2"]).toMatchObject({ status: "failed", reason: "expected encrypted" });
    expect(r["BUM-2.1.a2"]!.tests.map((t) => t.status)).toEqual(["passed", "failed", "skipped"]);
  });
  it("maps one check to every id in its title", () => {
    const r = byId([outcome("BUM-2.1.d BUM-2.1.a2 group is encrypted", "passed")]);
    expect(r["BUM-2.1.d"]!.status).toBe("passed");
    expect(r["BUM-2.1.a2"]!.status).toBe("passed");
  });
  it("incomplete when a check passed and another skipped itself (a missing capability), naming it and why", () => {
    const r = byId([outcome("BUM-2.7.app API: rooms are listed", "passed"), outcome("BUM-2.7.app portal journey in a browser", "skipped", skip("no portal configured: set MXACCEPT_APP_PORTAL_URL"))]);
    expect(r["BUM-2.7.app"]!.status).toBe("incomplete");
    expect(r["BUM-2.7.app"]!.reason).toBe("«portal journey in a browser» skipped: no portal configured: set MXACCEPT_APP_PORTAL_URL");
  });
  it("incomplete when a check passed and another was inconclusive; an inconclusive check alone is incomplete too", () => {
    const inc = { annotations: [{ type: "inconclusive", description: "nothing stored is older than 1 year" }], evidence: [{ proof: "audit" }] };
    const r = byId([outcome("BUM-2.5.messages config", "passed", { evidence: [{ proof: "config" }] }), outcome("BUM-2.5.messages audit", "passed", inc)]);
    expect(r["BUM-2.5.messages"]).toMatchObject({ status: "incomplete", reason: "«audit» inconclusive: nothing stored is older than 1 year" });
    expect(r["BUM-2.5.messages"]!.tests).toMatchObject([{ status: "passed", proof: "config" }, { status: "inconclusive", proof: "audit", reason: "nothing stored is older than 1 year" }]);
    expect(byId([outcome("BUM-2.5.messages audit", "passed", inc)])["BUM-2.5.messages"]!.status).toBe("incomplete");
    // Inconclusive does not hide a failure.
    expect(byId([outcome("BUM-2.5.messages audit", "failed", { ...inc, error: "a message of 2 years" })])["BUM-2.5.messages"]!.status).toBe("failed");
  });
  it("skipped when no check ran, with each distinct reason", () => {
    const r = byId([outcome("BUM-2.4 sso", "skipped", skip("no IdP configured (MXACCEPT_IDP_URL)")), outcome("BUM-2.4 disabled user", "skipped", skip("no IdP configured (MXACCEPT_IDP_URL)"))]);
    expect(r["BUM-2.4"]).toMatchObject({ status: "skipped", reason: "no IdP configured (MXACCEPT_IDP_URL)" });
  });
  it("keeps the 'manual' annotation: all-manual checks make it manual, a manual part beside a passed check makes it incomplete (proven in part, never passed)", () => {
    const part = { annotations: [{ type: "manual", description: "a month cannot be observed in a run" }], evidence: [{ availability: 1 }] };
    expect(byId([outcome("BUM-3.2.7 canary", "passed", part)])["BUM-3.2.7"]).toMatchObject({ status: "manual", reason: "a month cannot be observed in a run", evidence: [{ availability: 1 }], tests: [{ status: "manual", proof: "manual" }] });
    expect(byId([outcome("BUM-3.2.7 canary", "failed", { ...part, error: "probe failed" })])["BUM-3.2.7"]!.status).toBe("failed");
    const browsers = { annotations: [{ type: "manual", description: "Edge, Firefox and Safari are confirmed by hand" }] };
    expect(byId([outcome("BUM-5.3.c Chromium", "passed"), outcome("BUM-5.3.c other browsers", "passed", browsers)])["BUM-5.3.c"]).toMatchObject({
      status: "incomplete",
      reason: "proven in part (1 of 2 checks passed); to confirm by hand: «other browsers» manual: Edge, Firefox and Safari are confirmed by hand",
    });
    expect(byId([outcome("BUM-5.3.c apps", "skipped", { annotations: [{ type: "manual", description: "mobile apps are not observable" }] })])["BUM-5.3.c"]).toMatchObject({ status: "manual", reason: "mobile apps are not observable" });
    // A manual part beside a check that did not run: incomplete, both named.
    const r = byId([outcome("BUM-3.2.7 canary", "passed", part), outcome("BUM-3.2.7 month", "skipped", skip("no probe log (--probes)"))])["BUM-3.2.7"]!;
    expect(r.status).toBe("incomplete");
    expect(r.reason).toContain("«month» skipped: no probe log (--probes)");
    expect(r.reason).toContain("«canary» manual: a month cannot be observed in a run");
  });
  it("an interrupted check did not run: it never fails nor passes the id", () => {
    const r = byId([outcome("BUM-2.1.a1 one", "passed"), outcome("BUM-2.1.a1 two", "interrupted")]);
    expect(r["BUM-2.1.a1"]).toMatchObject({ status: "incomplete", reason: "«two» not run: interrupted before it finished" });
  });
  it("ignores checks whose ids are not in the profile", () => {
    const reqs = aggregate(profile, [outcome("VSM-7 e-mail login", "failed")], { catalogue: [entry("messaging/email-login.spec.ts", "VSM-7 x")] });
    expect(reqs.some((r) => r.tests.length)).toBe(false);
  });
  it("counts incomplete apart in the summary, and ends with one verdict line", () => {
    const reqs = aggregate(profile, [outcome("BUM-2.1.a1 x", "passed"), outcome("BUM-2.1.b x", "failed"), outcome("BUM-2.1.c x", "passed"), outcome("BUM-2.1.c y", "skipped", skip("no ffmpeg"))]);
    const s = summarize(reqs);
    expect(s).toEqual({ passed: 1, failed: 1, incomplete: 1, skipped: profile.requirements.length - 4, manual: 1 });
    expect(verdictLine(s)).toMatch(/^verdict: 1 passed, 1 failed, 1 incomplete, \d+ skipped, 1 manual — NOT ACCEPTED \(1 failed\)$/);
    expect(verdictLine({ passed: 3, failed: 0, incomplete: 1, skipped: 0, manual: 0 })).toContain("NOT ACCEPTED (not every requirement was proven");
    expect(verdictLine({ passed: 3, failed: 0, incomplete: 0, skipped: 0, manual: 0 }, "the scenarios ended with exit 1 outside any check")).toBe("verdict: 3 passed, 0 failed, 0 incomplete, 0 skipped, 0 manual — NOT ACCEPTED (the scenarios ended with exit 1 outside any check)");
    expect(verdictLine({ passed: 3, failed: 0, incomplete: 0, skipped: 0, manual: 2 })).toBe("verdict: 3 passed, 0 failed, 0 incomplete, 0 skipped, 2 manual — ACCEPTABLE once the 2 manual items are confirmed");
  });
});

describe("proof kind of a check", () => {
  it("is live for an executed check that names none, the strongest named otherwise, none when nothing ran", () => {
    expect(checkOf(outcome("BUM-2.1.a1 x", "passed")).proof).toBe("live");
    expect(checkOf(outcome("BUM-7 x", "passed", { evidence: [{ proof: "calculation" }] })).proof).toBe("calculation");
    expect(checkOf(outcome("BUM-2.6 x", "passed", { evidence: [{ proof: "measurement" }] })).proof).toBe("measurement");
    expect(checkOf(outcome("BUM-2.5.messages x", "passed", { evidence: [{ mode: "audit" }, { proof: "live" }] })).proof).toBe("live");
    expect(checkOf(outcome("BUM-2.5.messages x", "passed", { evidence: [{ mode: "audit" }] })).proof).toBe("audit");
    expect(checkOf(outcome("BUM-2.4 x", "skipped", skip("no IdP"))).proof).toBe("none");
  });
});

describe("the catalogue: checks that did not run", () => {
  const byId = (outcomes: TestOutcome[], catalogue: CatalogueEntry[], selection = {}, p: Profile = vsm) => Object.fromEntries(aggregate(p, outcomes, { catalogue, selection }).map((r) => [r.id, r]));
  const messaging = entry("messaging/group-chat.spec.ts", "VSM-1 instant messages: text and a file between two users");
  const security = entry("security/closed-group.spec.ts", "VSM-1 closed user group: guest access is refused");

  it("a subset run (--suite messaging) makes a multi-suite id incomplete, naming the missing check and why", () => {
    const r = byId([outcome(messaging.title, "passed", { file: messaging.file })], [messaging, security], { suites: ["messaging"] })["VSM-1"]!;
    expect(r.status).toBe("incomplete");
    expect(r.reason).toBe("«closed user group: guest access is refused» not run: suite security not selected (--suite messaging)");
    expect(r.tests).toMatchObject([{ status: "passed", proof: "live" }, { status: "not-run", proof: "none", file: "security/closed-group.spec.ts" }]);
  });
  it("with the real scenarios: VSM-1 has a check in messaging and one in security", () => {
    const cat = staticCatalogue().filter((e) => requirementIds(e.title).includes("VSM-1"));
    expect(new Set(cat.map((e) => e.file.split("/")[0]))).toEqual(new Set(["messaging", "security"]));
    const ran = cat.filter((e) => e.file.startsWith("messaging/")).map((e) => outcome(e.title, "passed", { file: e.file }));
    const r = byId(ran, staticCatalogue(), { suites: ["messaging"] })["VSM-1"]!;
    expect(r.status).toBe("incomplete");
    expect(r.reason).toMatch(/closed user group.*not run: suite security not selected \(--suite messaging\)/);
  });
  it("an id none of whose checks ran is skipped, with the selection as reason; every check is listed", () => {
    const r = byId([], [security], { suites: ["messaging"] })["VSM-1"]!;
    expect(r).toMatchObject({ status: "skipped", reason: "suite security not selected (--suite messaging)", tests: [{ status: "not-run" }] });
  });
  it("says which checks --grep left out, and which did not run for another reason", () => {
    expect(whyNotRun(security, { grep: "instant" })).toBe("not selected by --grep instant");
    expect(whyNotRun(security, { grep: "CLOSED USER" })).toMatch(/^did not run: the run stopped before it/);
    expect(whyNotRun(security, { suites: ["security"], grep: "/closed/" })).toMatch(/^did not run/);
    const r = byId([outcome(messaging.title, "passed", { file: messaging.file })], [messaging, security], { grep: "instant" })["VSM-1"]!;
    expect(r.reason).toContain("not run: not selected by --grep instant");
  });
  it("matches an executed test to its catalogue entry by file and title", () => {
    const r = byId([outcome(security.title, "failed", { file: security.file, error: "guest access allowed" })], [messaging, security])["VSM-1"]!;
    expect(r.tests.map((t) => t.status)).toEqual(["failed", "not-run"]);
    expect(r.status).toBe("failed");
  });
  it("reads a `playwright test --list --reporter=json` report, describe blocks included", () => {
    const entries = entriesOfListReport({ suites: [{ title: "security/closed-group.spec.ts", file: "security/closed-group.spec.ts", specs: [{ title: "VSM-1 a", file: "security/closed-group.spec.ts", line: 12 }], suites: [{ title: "group", specs: [{ title: "VSM-1 b", file: "security/closed-group.spec.ts", line: 30 }] }] }] });
    expect(entries).toEqual([
      { file: "security/closed-group.spec.ts", describes: [], title: "VSM-1 a", line: 12 },
      { file: "security/closed-group.spec.ts", describes: ["group"], title: "VSM-1 b", line: 30 },
    ]);
    expect(grepTitle(entries[1]!)).toBe("  security/closed-group.spec.ts group VSM-1 b");
  });
});

describe("the grep that selects a run's tests", () => {
  const fake = { requirements: [{ id: "VSM-1" }, { id: "VSM-2.2.e2ee" }, { id: "SEC-anonymous" }] } as Profile;
  const title = (t: string) => grepTitle({ file: "messaging/x.spec.ts", title: t });
  it("selects titles that carry an id of the profile, as a whole id", () => {
    const re = selectionGrep(fake);
    expect(re.test(title("VSM-1 instant messages"))).toBe(true);
    expect(re.test(title("BUM-2.1.d VSM-2.2.e2ee server stores only ciphertext"))).toBe(true);
    expect(re.test(title("VSM-1.2 something else"))).toBe(false);
    expect(re.test(title("VSM-10 something else"))).toBe(false);
    expect(re.test(title("BUM-2.1.a1 direct chat"))).toBe(false);
    expect(re.test(title("ends with SEC-anonymous."))).toBe(true);
  });
  it("combines with --grep as Playwright reads it: both must match, case-insensitive, anchors and alternation kept", () => {
    expect(selectionGrep(fake, "instant").test(title("VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake, "INSTANT").test(title("VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake, "closed").test(title("VSM-1 instant messages"))).toBe(false);
    expect(selectionGrep(fake, "instant").test(title("BUM-2.1.a1 instant"))).toBe(false);
    expect(selectionGrep(fake, "nothing|instant").test(title("VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake, "^VSM").test(title("VSM-1 instant messages"))).toBe(false); // Playwright's title starts with the file, as without us
    expect(selectionGrep(fake, "/Instant/").test(title("VSM-1 instant messages"))).toBe(false); // "/re/" without i is case-sensitive
    expect(selectionGrep(fake, "messages$").test(title("VSM-1 instant messages"))).toBe(true);
  });
  it("never selects by the run's phase: the project name Playwright puts first is skipped", () => {
    // As Playwright 1.65 matches a project's grep: "<project> <file> <title> <tags>".
    const inPhase = (phase: string, t: string) => `${phase} messaging/x.spec.ts ${t}`;
    expect(selectionGrep(fake, "parallel").test(inPhase("parallel", "VSM-1 instant messages"))).toBe(false);
    expect(selectionGrep(fake, "exclusive").test(inPhase("exclusive", "VSM-1 instant messages @exclusive"))).toBe(true); // the tag, as Playwright matches it
    expect(selectionGrep(fake, "instant").test(inPhase("parallel", "VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake, "x\\.spec").test(inPhase("exclusive", "VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake).test(inPhase("parallel", "VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake, "VSM-1 instant").test(inPhase("parts", "VSM-1 instant messages"))).toBe(true);
    expect(selectionGrep(fake, "part").test(inPhase("parts", "VSM-1 instant messages"))).toBe(false);
    expect(selectionGrep(fake, "^messaging").test(inPhase("parallel", "VSM-1 instant messages"))).toBe(false); // as without phases: ^ is the start of the whole text
  });
  it("selects exactly the real scenarios of a profile that carry its ids", () => {
    const re = selectionGrep(vsm);
    for (const e of staticCatalogue()) {
      const inProfile = requirementIds(e.title).some((id) => vsm.requirements.some((r) => r.id === id));
      expect(re.test(grepTitle(e)), e.title).toBe(inProfile);
    }
  });
});

describe("junit.xml: the requirement view", () => {
  it("has a suite per requirement with its verdict and every check, the ones that did not run as skipped with why", () => {
    const reqs = aggregate(vsm, [outcome("VSM-1 instant messages", "passed", { file: "messaging/group-chat.spec.ts" })], { catalogue: [entry("security/closed-group.spec.ts", "VSM-1 closed <group> & guests")], selection: { suites: ["messaging"] } });
    const xml = junitXml({ runId: "r1", startedAt: "2026-11-23T10:00:00.000Z", finishedAt: "2026-11-23T10:01:00.000Z", profile: vsm.id, target: { baseUrl: "https://x", serverName: "x", serverVersion: "v" }, requirements: reqs, summary: summarize(reqs) });
    expect(xml.match(/<testsuite /g)).toHaveLength(vsm.requirements.length);
    expect(xml).toContain('<testcase classname="VSM-1" name="VSM-1 requirement verdict" time="0"><skipped message="incomplete: «closed &lt;group&gt; &amp; guests» not run: suite security not selected (--suite messaging)"/>');
    expect(xml).toContain('name="VSM-1 closed &lt;group&gt; &amp; guests" time="0.000" file="scenarios/security/closed-group.spec.ts"><properties><property name="status" value="not-run"/><property name="proof" value="none"/></properties><skipped message="not-run: suite security not selected (--suite messaging)"/>');
    expect(xml).toContain('<property name="status" value="passed"/><property name="proof" value="live"/></properties></testcase>');
  });
});

describe("allure-results: the requirement view", () => {
  it("adds every check that did not run as skipped with why, and marks an inconclusive one unknown", () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-allure-"));
    writeFileSync(join(dir, "a-result.json"), JSON.stringify({ uuid: "a", name: "VSM-1 instant messages", status: "passed" }));
    writeFileSync(join(dir, "b-result.json"), JSON.stringify({ uuid: "b", name: "VSM-2.2.retention audit", status: "passed" }));
    const reqs = aggregate(vsm, [
      outcome("VSM-1 instant messages", "passed", { file: "messaging/group-chat.spec.ts" }),
      outcome("VSM-2.2.retention audit", "passed", { file: "retention/messages.spec.ts", annotations: [{ type: "inconclusive", description: "nothing old enough" }] }),
    ], { catalogue: [entry("security/closed-group.spec.ts", "VSM-1 closed user group")], selection: { suites: ["messaging", "retention"] } });
    const res = completeAllureResults(dir, { runId: "r1", startedAt: "", finishedAt: "2026-11-23T10:01:00.000Z", profile: vsm.id, target: { baseUrl: "https://x", serverName: "x", serverVersion: "v" }, requirements: reqs, summary: summarize(reqs) });
    expect(res).toEqual({ added: 1, marked: 1 });
    const all = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { name: string; status: string; statusDetails?: { message?: string }; labels?: { name: string; value: string }[] });
    expect(all.find((a) => a.name === "VSM-1 closed user group")).toMatchObject({ status: "skipped", statusDetails: { message: "not run: suite security not selected (--suite messaging,retention)" }, labels: expect.arrayContaining([{ name: "requirement", value: "VSM-1" }, { name: "story", value: "VSM-1" }]) });
    expect(all.find((a) => a.name === "VSM-2.2.retention audit")).toMatchObject({ status: "unknown", statusDetails: { message: "inconclusive: nothing old enough" } });
    expect(all.find((a) => a.name === "VSM-1 instant messages")!.status).toBe("passed");
  });
});

describe("the terminal table", () => {
  it("shows INCOMPLETE and every check under its requirement, with why", () => {
    const reqs = aggregate(vsm, [outcome("VSM-1 instant messages", "passed", { file: "messaging/group-chat.spec.ts" })], { catalogue: [entry("security/closed-group.spec.ts", "VSM-1 closed user group")], selection: { suites: ["messaging"] } });
    const text = formatTable({ runId: "r1", startedAt: "", finishedAt: "", profile: vsm.id, target: { baseUrl: "https://x", serverName: "x", serverVersion: "v" }, selection: { suites: ["messaging"] }, requirements: reqs, summary: summarize(reqs) });
    expect(text).toMatch(/VSM-1\s+INCOMPLETE/);
    expect(text).toMatch(/passed\s+live\s+instant messages/);
    expect(text).toMatch(/not run\s+none\s+closed user group — suite security not selected \(--suite messaging\)/);
    expect(text).toContain("selected: --suite messaging");
    expect(text).toMatch(/requirements: 0 passed, 0 failed, 1 incomplete, \d+ skipped, 1 manual$/);
  });
});

describe("redaction", () => {
  it("redacts secrets", () => {
    expect(redact('{"t":"syt_abcdefgh","u":"ok"}', ["syt_abcdefgh"])).toBe('{"t":"<redacted>","u":"ok"}');
  });
});
