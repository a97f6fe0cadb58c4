import { describe, expect, it } from "vitest";
import { needs } from "../src/matrix/capabilities.ts";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile } from "../src/config/profile.ts";
import { projectRoot } from "../src/config/paths.ts";
import type { Capability, ServerCapabilities } from "../src/matrix/capabilities.ts";
import { aggregate, summarize, type Results, type TestOutcome } from "../src/report/results.ts";
import { germanReason } from "../src/report/reasons-de.ts";
import { recordInput, renderRecord } from "../src/report/record.ts";
import { reasonSources, type ReasonSource } from "./helpers/reason-sources.ts";
import { englishIn } from "./helpers/english.ts";

// The record's German part is German throughout: every reason the code can produce has a German rendering
// (collected statically from the source, so a new one without it fails here), and a record rendered from results
// that carry all of them, with every capability detail, has no English sentence in its German part.

const sources = reasonSources(projectRoot());
const unique = [...new Map(sources.map((s) => [s.text, s])).values()];
const fill = (t: string) => t.replace(/‹\d+›/g, "42");

describe("the reasons the code can produce", () => {
  it("are found in the source: skip reasons, inconclusive and manual declarations, results.ts, capability details", () => {
    const kinds = new Set(sources.map((s) => s.kind));
    for (const k of ["skip", "inconclusive", "manual", "results", "flows-in", "capability"] as const) expect(kinds, k).toContain(k);
    expect(unique.length).toBeGreaterThan(60);
    expect(unique.map((s) => s.text)).toContain("target file names no MXACCEPT_IDM_PORTAL_URL");
  });

  it("each have a German rendering without English in it", () => {
    const missing = unique.filter((s) => germanReason(s.text) === undefined).map((s) => `${s.at}: ${s.text}`);
    expect(missing, "reasons without a German rendering (add them to src/report/reasons-de.ts)").toEqual([]);
    const english = unique.flatMap((s) => englishIn(germanReason(s.text)!).map((h) => `${s.at}: ${h}`));
    expect(english, "German renderings with English left in them").toEqual([]);
  });

  it("translate composed reasons part by part: a check line list, joined skip reasons, a reason inside a reason", () => {
    expect(germanReason("proven in part (1 of 2 checks passed); to confirm by hand: «Firefox and Safari» manual: cannot be observed in a run"))
      .toBe("teilweise nachgewiesen (1 von 2 Prüfungen bestanden); von Hand zu bestätigen: «Firefox and Safari» manuell: in einem Lauf nicht beobachtbar");
    expect(germanReason("target file names no MXACCEPT_IDP_URL; no check implemented")).toBe("die Zieldatei nennt kein MXACCEPT_IDP_URL; noch keine Prüfung implementiert");
    expect(germanReason("cannot disable an IdP user: target file names no MXACCEPT_IDP_ADMIN_USER / MXACCEPT_IDP_ADMIN_PASSWORD"))
      .toBe("kann keinen IdP-Benutzer sperren: die Zieldatei nennt kein MXACCEPT_IDP_ADMIN_USER / MXACCEPT_IDP_ADMIN_PASSWORD");
    expect(germanReason("audit inconclusive: oldest room 3.2 days old; conclusive from 2027-01-01; supply the instance's homeserver.yaml (MXACCEPT_HOMESERVER_CONFIG) or run again from 2027-01-01"))
      .toBe("Audit ohne Entscheidung: ältester Eintrag (Raum) 3.2 Tage alt; aussagekräftig ab 2027-01-01; die homeserver.yaml der Instanz angeben (MXACCEPT_HOMESERVER_CONFIG) oder ab 2027-01-01 erneut prüfen");
    expect(germanReason("a sentence nobody wrote a German rendering for")).toBeUndefined();
  });

  it("translate every needs(…) line a user source or fixture writes, with the server's software and what to provide", () => {
    const dendrite = { software: { name: "Dendrite", version: "0.13.8", via: "" } } as never;
    const lines = [
      needs("the Synapse admin API", dendrite, "a Synapse target with MXACCEPT_ADMIN_TOKEN or the shared secret"),
      needs("test users, but login is delegated to an OAuth 2.0 server (MSC3861, e.g. MAS)", undefined, "add MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET to the target file"),
      needs("shared-secret registration or the Synapse admin API to create test users", dendrite, "set MXACCEPT_PARTNER_REGISTRATION_SHARED_SECRET"),
      needs("the Synapse admin API to bind an e-mail address", dendrite, "set MXACCEPT_ADMIN_TOKEN or MXACCEPT_REGISTRATION_SHARED_SECRET"),
      needs("a MAS admin client to create test users (login is delegated to MAS)", undefined, "add MXACCEPT_MAS_CLIENT_ID and MXACCEPT_MAS_CLIENT_SECRET to the target file"),
    ];
    const de = lines.map((l) => germanReason(l));
    expect(de[0]).toBe("braucht die Synapse-Admin-API; dieser Server ist Dendrite 0.13.8 (ein Synapse-Ziel mit MXACCEPT_ADMIN_TOKEN oder dem gemeinsamen Geheimnis)");
    expect(de[1]).toBe("braucht Testbenutzer, aber die Anmeldung ist an einen OAuth-2.0-Server delegiert (MSC3861, z. B. MAS); dieser Server ist unbekannter Software (MXACCEPT_MAS_URL, MXACCEPT_MAS_CLIENT_ID und MXACCEPT_MAS_CLIENT_SECRET in der Zieldatei ergänzen)");
    expect(de[4]).toBe("braucht einen Admin-Client von MAS, um Testbenutzer anzulegen (die Anmeldung ist an MAS delegiert); dieser Server ist unbekannter Software (MXACCEPT_MAS_CLIENT_ID und MXACCEPT_MAS_CLIENT_SECRET in der Zieldatei ergänzen)");
    expect(de.flatMap((d) => englishIn(d ?? "")), "no English left").toEqual([]);
  });
});

/** Results as a run writes them, with every collected reason on a check and every capability detail. */
function realisticRecord(list: ReasonSource[], extra: ReasonSource[] = []): string {
  const profile = loadProfile("managed-bundesmessenger");
  const ids = profile.requirements.filter((r) => r.check !== "manual").map((r) => r.id);
  const reasons = [...list.filter((s) => s.kind !== "capability"), ...extra];
  const outcomes: TestOutcome[] = reasons.map((s, i) => {
    const title = `${ids[i % ids.length]} check ${i}`;
    const base = { title, durationMs: 1000, startedAt: "2026-12-06T10:00:00.000Z", evidence: [] };
    const reason = fill(s.text);
    if (s.kind === "skip" || s.kind === "results") return { ...base, status: "skipped" as const, annotations: [{ type: "skip", description: reason }] };
    if (s.kind === "manual") return { ...base, status: "passed" as const, annotations: [{ type: "manual", description: reason }] };
    return { ...base, status: "passed" as const, annotations: [{ type: "inconclusive", description: reason }] };
  });
  // A failure: its message verbatim, how many more failed in German.
  outcomes.push({ title: `${ids[0]} failing check`, status: "failed", durationMs: 1, annotations: [], evidence: [], error: "Error: the homeserver refused the login: 403 M_FORBIDDEN" });
  outcomes.push({ title: `${ids[0]} second failing check`, status: "failed", durationMs: 1, annotations: [], evidence: [], error: "Error: expected 200, got 500" });
  const requirements = aggregate(profile, outcomes, { catalogue: [{ file: "security/admin-surface.spec.ts", describes: [], title: "SEC-admin-surface not selected" }], selection: { suites: ["messaging"], grep: "x" } });
  const found = list.filter((s) => s.kind === "capability").map((s) => fill(s.text));
  const details = found.length ? found : ["not probed"];
  const cap = (i: number): Capability => ({ present: i % 3 === 0 ? true : i % 3 === 1 ? false : undefined, detail: details[i % details.length]! });
  const server = (n: number): ServerCapabilities => ({
    serverName: `hs${n}.example.org`, baseUrl: `https://hs${n}.example.org`, software: { name: "Synapse", version: "1.163.2", via: details[(n * 8 + 8) % details.length]! }, clientVersions: ["v1.11"],
    synapseAdminApi: cap(n * 8), overrideRatelimit: cap(n * 8 + 1), sharedSecretRegistration: cap(n * 8 + 2), encryptionByDefault: { private: cap(n * 8 + 3), direct: cap(n * 8 + 4) },
    loginDelegated: cap(n * 8 + 5), authenticatedMedia: cap(n * 8 + 6), passwordLogin: cap(n * 8 + 7),
  });
  const servers = Math.ceil(details.length / 8);
  const results: Results = {
    runId: "20261206-100000-abcd", startedAt: "2026-12-06T10:00:00.000Z", finishedAt: "2026-12-06T10:10:00.000Z", profile: profile.id,
    target: { baseUrl: "https://matrix.example.org", serverName: "example.org", serverVersion: "Synapse 1.163.2" },
    selection: { suites: ["messaging"], grep: "x" },
    requirements, summary: summarize(requirements),
    capabilities: { detectedAt: "2026-12-06T10:00:00.000Z", instance: server(0), partner: server(1), outsider: server(2) },
  };
  // Each capability detail lands in a table: three servers per record, as many records as it takes.
  const dir = mkdtempSync(join(tmpdir(), "mxa-reasons-"));
  mkdirSync(dir, { recursive: true });
  const htmls: string[] = [];
  for (let k = 0; k < Math.max(1, Math.ceil(servers / 3)); k++) {
    const caps = { ...results.capabilities!, instance: server(3 * k), partner: server(3 * k + 1), outsider: server(3 * k + 2) };
    htmls.push(renderRecord(recordInput(dir, { ...results, capabilities: caps }, profile)));
  }
  return htmls.join("\n");
}

const germanPart = (html: string) => html.split('<section class="lang" lang="de"').slice(1).map((s) => s.split("</section>")[0]!).join("\n");

describe("the record's German part", () => {
  it("has no English sentence, rendered from results with every reason the code can produce and every capability detail", () => {
    const html = realisticRecord(unique);
    expect(html).toContain("1 weitere nicht bestandene Prüfung(en)");
    expect(englishIn(germanPart(html)), "English in the German part of the record").toEqual([]);
  });

  it("the check finds an English sentence that has no German rendering (the other direction)", () => {
    const html = realisticRecord(unique.slice(0, 3), [{ text: "the target cannot show this without a token", at: "test", kind: "skip" }]);
    expect(englishIn(germanPart(html)).join("\n")).toMatch(/"cannot" in/);
  });

  it("opens with the result, the decision and the requirement table; capabilities and evidence come after", () => {
    const de = germanPart(realisticRecord(unique.slice(0, 5)));
    const at = (s: string) => de.indexOf(s);
    expect(at('<p class="verdict')).toBeGreaterThan(0);
    expect(at('<p class="decision">')).toBeGreaterThan(at('<p class="verdict'));
    expect(at('<table class="reqs">')).toBeGreaterThan(at('<p class="decision">'));
    expect(at("Fähigkeiten des Servers")).toBeGreaterThan(at('<table class="reqs">'));
    expect(at('<div class="evreq"')).toBeGreaterThan(at("Fähigkeiten des Servers"));
  });
});
