import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile } from "../src/config/profile.ts";
import { aggregate, summarize, redact, type Results, type TestOutcome } from "../src/report/results.ts";
import { MESSAGES } from "../src/report/i18n.ts";
import { proofOf } from "../src/report/proof.ts";
import { recordInput, renderRecord } from "../src/report/record.ts";
import { normalizeHomeserver, fingerprintOf, canonical } from "../src/report/fingerprint.ts";
import { chromiumAvailable } from "../src/report/pdf.ts";
import { esc } from "../src/report/plots.ts";
import { mxaccept } from "./helpers/cli.ts";

const profile = loadProfile("managed-bundesmessenger");
const SECRET = "syt_YWRtaW4_secretAdminToken_0123456789";
// A 1×1 PNG, as a scenario's screenshot attachment.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

function outcome(title: string, status: TestOutcome["status"], extra: Partial<TestOutcome> = {}): TestOutcome {
  return { title, status, durationMs: 1234, startedAt: "2026-11-23T10:00:00.000Z", annotations: [], evidence: [], ...extra };
}

/** The evidence block of requirement `id` in one language's section (empty when it has none). */
function evidenceOf(section: string, id: string): string {
  return section.split(`<div class="evreq" data-id="${id}">`)[1]?.split(/<div class="evreq"|<p class="dim foot">/)[0] ?? "";
}

/** A report folder as `mxaccept run` leaves it, with a token in the evidence that the run's scrub redacted. */
function reportFolder(opts: { figures?: boolean } = {}): { dir: string; results: Results } {
  const root = mkdtempSync(join(tmpdir(), "mxa-record-"));
  const dir = join(root, "20261123-100000-abcd");
  mkdirSync(join(dir, "shots"), { recursive: true });
  writeFileSync(join(dir, "shots", "portal.png"), PNG);
  const requirements = aggregate(profile, [
    outcome("BUM-2.1.a1 direct chat", "passed", { evidence: [{ requirement: "BUM-2.1.a1", roomId: "!room:hs1", eventIds: ["$e1", "$e2"], accessToken: SECRET }] }),
    outcome("BUM-2.5.messages live or audit", "passed", { evidence: [{ requirement: "BUM-2.5.messages", mode: "audit", violations: [] }] }),
    outcome("BUM-2.2 federation with a partner", "failed", { error: "expected 200, got 403 M_FORBIDDEN", evidence: [{ proof: "live", partner: "hs2" }, { attachment: "portal", path: join(dir, "shots", "portal.png") }] }),
    outcome("BUM-2.5.remote-media remote media", "skipped", { annotations: [{ type: "manual", description: "no admin API lists a remote media cache" }] }),
    outcome("BUM-5.3.c the web client runs in Chromium", "passed"),
    outcome("BUM-5.3.c Firefox and Safari are confirmed by hand", "passed", { annotations: [{ type: "manual", description: "the run proved the web client in Chromium only" }] }),
  ]);
  const results: Results = {
    runId: "20261123-100000-abcd",
    startedAt: "2026-11-23T10:00:00.000Z",
    finishedAt: "2026-11-23T10:07:30.000Z",
    profile: profile.id,
    target: { baseUrl: "https://matrix.example.org", serverName: "example.org", serverVersion: "Synapse 1.163.2" },
    requirements,
    summary: summarize(requirements),
  };
  writeFileSync(join(dir, "results.json"), redact(JSON.stringify(results), [SECRET]));
  writeFileSync(join(dir, "instance.json"), JSON.stringify({ capturedAt: results.finishedAt, baseUrl: results.target.baseUrl, serverName: "example.org", fingerprint: "ab".repeat(32), inputs: [{ name: "client-versions", source: "GET /_matrix/client/versions", sha256: "cd".repeat(32) }, { name: "homeserver.yaml", source: "x", unavailable: "not readable from outside" }] }));
  if (opts.figures) {
    mkdirSync(join(dir, "figures"));
    writeFileSync(join(dir, "figures", "load-send.json"), JSON.stringify({ kind: "latency", title: { de: "Senden unter Last", en: "Sending under load" }, unit: "ms", series: [{ label: "send", p50: 12, p90: 30, p99: 80, max: 140, requests: 6000, rps: 100, errors: 0 }, { label: "sync", p50: 40, p99: 300 }], thresholds: { p99: 500 } }));
    writeFileSync(join(dir, "figures", "broken.json"), JSON.stringify({ kind: "latency", title: "no series" }));
    const t0 = Date.parse("2026-11-23T10:00:00Z");
    writeFileSync(join(dir, "probes.jsonl"), Array.from({ length: 100 }, (_, i) => JSON.stringify({ t: t0 + i * 5000, ok: i !== 42, latencyMs: 20 + (i % 7) })).join("\n"));
  }
  return { dir, results: JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results };
}

describe("how a requirement was proven", () => {
  const reqOf = (outcomes: TestOutcome[], id: string) => aggregate(profile, outcomes).find((r) => r.id === id)!;
  it("is live for an executed test without a declaration", () => expect(proofOf(reqOf([outcome("BUM-2.1.a1 x", "passed")], "BUM-2.1.a1"))).toEqual(["live"]));
  it("reads proof (and the older mode) from each check's evidence, strongest first", () => {
    expect(proofOf(reqOf([outcome("BUM-2.5.messages x", "passed", { evidence: [{ proof: "audit" }] })], "BUM-2.5.messages"))).toEqual(["audit"]);
    expect(proofOf(reqOf([outcome("BUM-2.5.messages x", "passed", { evidence: [{ mode: "audit" }] }), outcome("BUM-2.5.messages y", "passed", { evidence: [{ proof: "live" }] })], "BUM-2.5.messages"))).toEqual(["live", "audit"]);
    expect(proofOf(reqOf([outcome("BUM-7 x", "passed", { evidence: [{ proof: "calculation" }] })], "BUM-7"))).toEqual(["calculation"]);
    expect(proofOf(reqOf([outcome("BUM-2.6 x", "passed", { evidence: [{ proof: "measurement" }] })], "BUM-2.6"))).toEqual(["measurement"]);
  });
  it("is manual for a manual requirement and none when nothing ran", () => {
    expect(proofOf(reqOf([], "BUM-3.2.6"))).toEqual(["manual"]);
    expect(proofOf(reqOf([outcome("BUM-2.4 x", "skipped", { annotations: [{ type: "skip", description: "no IdP" }] })], "BUM-2.4"))).toEqual(["none"]);
  });
});

describe("the record of an incomplete run", () => {
  const vsm = loadProfile("vodafone-secure-messenger");
  const { dir, results } = reportFolder();
  const requirements = aggregate(vsm, [outcome("VSM-1 instant messages", "passed", { file: "messaging/group-chat.spec.ts" })], {
    catalogue: [{ file: "messaging/group-chat.spec.ts", describes: [], title: "VSM-1 instant messages" }, { file: "security/closed-group.spec.ts", describes: [], title: "VSM-1 closed user group: guest access is refused" }],
    selection: { suites: ["messaging"] },
  });
  const html = renderRecord(recordInput(dir, { ...results, profile: vsm.id, selection: { suites: ["messaging"] }, requirements, summary: summarize(requirements) }, vsm));
  const section = (lang: "de" | "en") => html.split(`<section class="lang" lang="${lang}"`)[1]!.split("</section>")[0]!;
  // A requirement's row in the table and its evidence further down (the record puts the evidence after the table).
  const row = (lang: "de" | "en", id: string) => section(lang).split(`<td class="id">${id}</td>`)[1]!.split("</tbody>")[0]! + evidenceOf(section(lang), id);

  it("shows incomplete, and every check of the id with its status and why, also the one that did not run", () => {
    expect(row("de", "VSM-1")).toContain(">unvollständig<");
    expect(row("en", "VSM-1")).toContain(">incomplete<");
    expect(row("en", "VSM-1")).toContain("1 of 2 checks without a passing result");
    expect(row("en", "VSM-1")).toMatch(/st-not-run">not run<\/span> <code class="check">VSM-1 closed user group: guest access is refused<\/code>/);
    expect(row("en", "VSM-1")).toContain("suite security not selected (--suite messaging)");
    expect(row("de", "VSM-1")).toMatch(/nicht ausgeführt<\/span> <code class="check">VSM-1 closed user group/);
    expect(row("de", "VSM-1")).toContain("Testbereich security nicht ausgewählt (--suite messaging)");
    expect(row("en", "VSM-1")).toMatch(/st-passed">passed<\/span> <code class="check">VSM-1 instant messages<\/code> <span class="dim">\[live\]/);
    expect(section("en")).toContain("<code>--suite messaging</code>");
  });
  it("cannot be accepted: the decision block offers only 'not accepted', and the verdict names what is missing", () => {
    for (const lang of ["de", "en"] as const) {
      const decision = section(lang).split('<p class="decision">')[1]!.split("</p>")[0]!;
      expect(decision).toContain(MESSAGES[lang].decisionBlocked.split(".")[0]);
      expect(decision).not.toContain(MESSAGES[lang].decisionOptions);
    }
    expect(section("de")).toMatch(/Keine Prüfung ist fehlgeschlagen, der Nachweis ist aber unvollständig: 1 Anforderung ist nur teilweise nachgewiesen, \d+ Anforderungen sind nicht geprüft\./);
    expect(section("en")).toMatch(/No check failed, but the examination is incomplete: 1 requirement is only partly proven, \d+ requirements were not checked\./);
    expect(html).not.toContain("Keine Anforderung ist nicht bestanden");
    expect(html).not.toMatch(/\b1 Anforderungen/);
  });
  it("offers 'accepted' only when nothing failed, is incomplete or skipped", () => {
    const passedOnly = requirements.map((r) => (r.status === "manual" ? r : { ...r, status: "passed" as const, reason: undefined }));
    const ok = renderRecord(recordInput(dir, { ...results, profile: vsm.id, requirements: passedOnly, summary: summarize(passedOnly) }, vsm));
    expect(ok).toContain(MESSAGES.de.decisionOptions);
    expect(ok).toContain(MESSAGES.en.verdictPass);
    const failed = requirements.map((r) => (r.id === "VSM-7" ? { ...r, status: "failed" as const, reason: "login refused" } : r));
    const bad = renderRecord(recordInput(dir, { ...results, profile: vsm.id, requirements: failed, summary: summarize(failed) }, vsm));
    expect(bad).toContain("1 Anforderung ist nicht bestanden.");
    expect(bad).toContain("1 requirement failed.");
    expect(bad).not.toContain(MESSAGES.en.decisionOptions);
  });
});

describe("the acceptance record", () => {
  const { dir, results } = reportFolder();
  const html = renderRecord(recordInput(dir, results, profile));

  it("has a German and an English version, German first", () => {
    const de = html.indexOf('<section class="lang" lang="de"');
    const en = html.indexOf('<section class="lang" lang="en"');
    expect(de).toBeGreaterThan(0);
    expect(en).toBeGreaterThan(de);
    for (const lang of ["de", "en"] as const) {
      for (const key of ["docTitle", "requirements", "manualChecklist", "signOff", "figures"] as const) expect(html).toContain(MESSAGES[lang][key]);
    }
  });

  it("has one row per requirement of the profile in each language, with its localized title", () => {
    for (const r of profile.requirements) {
      expect(html.match(new RegExp(`<tr class="row-\\w+"><td class="id">${r.id.replace(/\./g, "\\.")}</td>`, "g"))?.length, r.id).toBe(2);
      expect(html).toContain(r.title.de.replace(/&/g, "&amp;").replace(/'/g, "'"));
      expect(html).toContain(r.title.en.replace(/&/g, "&amp;"));
    }
  });

  it("shows status, how proven and the evidence", () => {
    const section = (lang: "de" | "en") => html.split(`<section class="lang" lang="${lang}"`)[1]!;
    const row = (id: string, lang: "de" | "en") => section(lang).split(`<td class="id">${id}</td>`)[1]!.split("</tbody>")[0]! + evidenceOf(section(lang), id);
    expect(row("BUM-2.1.a1", "de")).toContain("bestanden");
    expect(row("BUM-2.1.a1", "en")).toMatch(/passed<\/span><\/td><td>live<\/td>/);
    expect(row("BUM-2.1.a1", "en")).toContain("!room:hs1");
    expect(row("BUM-2.5.messages", "en")).toContain("audit (read-only)");
    expect(row("BUM-2.5.messages", "de")).toContain("Audit (lesend)");
    expect(row("BUM-2.2", "en")).toContain("expected 200, got 403 M_FORBIDDEN");
    expect(row("BUM-2.2", "de")).toContain("nicht bestanden");
    expect(row("BUM-2.2", "en")).toContain("data:image/png;base64,");
    expect(row("BUM-2.1.a1", "en")).toContain("2026-11-23 10:00:00 UTC");
  });

  it("lists the manual items as a checklist, with the profile's reasons in each language", () => {
    const de = html.split('<section class="lang" lang="en"')[0]!.split(MESSAGES.de.manualChecklist)[1]!.split("</table>")[0]!;
    const en = html.split('<section class="lang" lang="en"')[1]!.split(MESSAGES.en.manualChecklist)[1]!.split("</table>")[0]!;
    for (const id of ["BUM-3.2.6", "BUM-2.5.remote-media"]) {
      expect(de).toContain(id);
      expect(en).toContain(id);
    }
    expect(de).toContain("☐");
    expect(de).toContain(profile.requirements.find((r) => r.id === "BUM-3.2.6")!.manualReason!.de);
    expect(en).toContain(profile.requirements.find((r) => r.id === "BUM-3.2.6")!.manualReason!.en);
  });

  it("shows a requirement proven in part as incomplete, and lists its manual check as its own item", () => {
    const en = html.split('<section class="lang" lang="en"')[1]!;
    const row = en.split('<td class="id">BUM-5.3.c</td>')[1]!.split("</tbody>")[0]!;
    expect(row).toContain('class="st st-incomplete"');
    expect(row).toContain("1 of 2 checks without a passing result");
    const checklist = en.split(MESSAGES.en.manualChecklist)[1]!.split("</table>")[0]!;
    expect(checklist).toContain('<td class="id">BUM-5.3.c</td>');
    expect(checklist).toContain("Firefox and Safari are confirmed by hand");
    expect(checklist).toContain("the run proved the web client in Chromium only");
    expect(checklist).not.toContain("the web client runs in Chromium<");
  });

  it("states the instance, the fingerprint and its inputs, and has a sign-off block", () => {
    expect(html).toContain("https://matrix.example.org");
    expect(html).toContain("Synapse 1.163.2");
    expect(html).toContain("ab".repeat(32));
    expect(html).toContain("client-versions");
    for (const lang of ["de", "en"] as const) {
      expect(html).toContain(MESSAGES[lang].roleCustomer);
      expect(html).toContain(MESSAGES[lang].signature);
    }
  });

  it("contains no secret", () => {
    expect(html).not.toContain(SECRET);
    expect(html).toContain("&lt;redacted&gt;");
  });

  it("is self-contained: no script, no external stylesheet or image", () => {
    expect(html).not.toMatch(/<script|<link |src="http/);
  });

  it("says there are no figures when the run has none", () => {
    expect(html).toContain(MESSAGES.de.noFigures);
    expect(html).toContain(MESSAGES.en.noFigures);
  });
});

describe("the record of the other profile", () => {
  it("has a row for every VSM requirement in both languages, and its manual items in the checklist", () => {
    const vsm = loadProfile("vodafone-secure-messenger");
    const { dir, results } = reportFolder();
    const requirements = aggregate(vsm, [outcome("VSM-1 closed user group", "passed")]);
    const html = renderRecord(recordInput(dir, { ...results, profile: vsm.id, requirements, summary: summarize(requirements) }, vsm));
    for (const r of vsm.requirements) expect(html.match(new RegExp(`<tr class="row-\\w+"><td class="id">${r.id.replace(/\./g, "\\.")}</td>`, "g"))?.length, r.id).toBe(2);
    for (const r of vsm.requirements.filter((x) => x.check === "manual")) expect(html).toContain(esc(r.manualReason!.de));
    expect(html).toContain(esc(vsm.title.de));
  });
});

describe("figures in the record", () => {
  const { dir, results } = reportFolder({ figures: true });
  const html = renderRecord(recordInput(dir, results, profile));
  it("plots latency percentiles and the availability probes as inline SVG", () => {
    expect(html.match(/<svg /g)!.length).toBe(4); // two figures, two languages
    expect(html).toContain("Senden unter Last");
    expect(html).toContain("Sending under load");
    expect(html).toContain("p99 80 ms");
    expect(html).toContain("99 %"); // 99 of 100 probes
    expect(html).toContain('fill="#c0392b"'); // the failed probe is drawn
    expect(html).not.toContain(MESSAGES.en.noFigures);
  });
  it("names a figure file that does not match the contract instead of failing", () => {
    expect(html).toContain("figures/broken.json");
  });
});

describe("configuration fingerprint", () => {
  it("leaves secrets, paths and ports out of homeserver.yaml", () => {
    const a = normalizeHomeserver({ server_name: "hs1", registration_shared_secret: "secret-one", macaroon_secret_key: "m1", form_secret: "f", media_store_path: "/a", listeners: [{ port: 1, tls: true }], max_upload_size: "50M" });
    const b = normalizeHomeserver({ server_name: "hs1", registration_shared_secret: "s2", macaroon_secret_key: "m2", form_secret: "g", media_store_path: "/b", listeners: [{ port: 2, tls: true }], max_upload_size: "50M" });
    expect(canonical(a)).toBe(canonical(b));
    expect(canonical(a)).not.toContain("secret-one");
  });
  it("changes when an input changes and ignores unavailable inputs", () => {
    const x = fingerprintOf([{ name: "a", source: "", sha256: "1" }, { name: "b", source: "", unavailable: "404" }]);
    expect(x).toBe(fingerprintOf([{ name: "a", source: "", sha256: "1" }]));
    expect(x).not.toBe(fingerprintOf([{ name: "a", source: "", sha256: "2" }]));
  });
});

describe("mxaccept report", () => {
  it("writes the record of the newest run, and the PDF with Chromium", async () => {
    const { dir } = reportFolder({ figures: true });
    const res = await mxaccept(["report"], { MXACCEPT_REPORTS_DIR: join(dir, "..") }, 120_000);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(join(dir, "acceptance.html"))).toBe(true);
    if (chromiumAvailable()) {
      expect(readFileSync(join(dir, "acceptance.pdf")).subarray(0, 5).toString()).toBe("%PDF-");
    } else {
      expect(res.stdout).toContain("no PDF: Chromium is not installed");
    }
  });
  it("says in one line when there is no run", async () => {
    const res = await mxaccept(["report"], { MXACCEPT_REPORTS_DIR: mkdtempSync(join(tmpdir(), "mxa-empty-")) });
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toContain("run 'mxaccept run' first");
  });
});
