/**
 * The acceptance record's text: one German and one English message table, rendered by the same function
 * (src/report/record.ts). Add a key to both tables; the type makes a missing translation a compile error.
 */

export type Lang = "de" | "en";

const de = {
  docTitle: "Abnahmeprotokoll",
  langName: "Deutsch",
  otherVersion: "English version below",
  instance: "Instanz",
  url: "URL",
  serverName: "Servername",
  serverVersion: "Serversoftware und Version",
  fingerprint: "Konfigurations-Fingerabdruck",
  fingerprintInputs: "Eingeflossen",
  fingerprintNone: "nicht erfasst (der Lauf hat keine instance.json geschrieben)",
  runId: "Lauf",
  date: "Datum (UTC)",
  duration: "Dauer",
  harness: "Prüfwerkzeug",
  profile: "Leistungsbeschreibung (Profil)",
  summary: "Ergebnis",
  summaryLine: "{passed} bestanden, {failed} nicht bestanden, {skipped} nicht geprüft, {manual} manuell zu bestätigen",
  verdictPass: "Alle automatisch prüfbaren Anforderungen dieses Laufs sind bestanden.",
  verdictFail: "Mindestens eine Anforderung ist nicht bestanden.",
  verdictIncomplete: "Keine Anforderung ist nicht bestanden, aber {skipped} Anforderungen wurden in diesem Lauf nicht geprüft: die Prüfung ist unvollständig.",
  requirements: "Anforderungen",
  colId: "Nr.",
  colRequirement: "Anforderung",
  colStatus: "Status",
  colProof: "Nachweisart",
  colEvidence: "Nachweis",
  status_passed: "bestanden",
  status_failed: "nicht bestanden",
  status_skipped: "nicht geprüft",
  status_manual: "manuell",
  proof_live: "live",
  proof_audit: "Audit (lesend)",
  proof_manual: "manuell",
  proof_none: "—",
  proofLegend: "Nachweisart: live = das Prüfwerkzeug hat das Verhalten an der Instanz ausgelöst und beobachtet; Audit = nur lesende Prüfung des Bestands über die Admin-API; manuell = von außen nicht beobachtbar, Nachweis durch den Betreiber (Checkliste unten).",
  tests: "Tests",
  reason: "Begründung",
  noEvidence: "kein Nachweis",
  manualChecklist: "Manuell zu bestätigende Punkte",
  manualIntro: "Diese Anforderungen kann das Prüfwerkzeug nicht beobachten. Der Betreiber legt den Nachweis vor; der Prüfer hakt ab.",
  manualNone: "Keine manuellen Punkte in diesem Profil.",
  manualEvidence: "Vorgelegter Nachweis",
  checkedBy: "geprüft von / Datum",
  figures: "Verfügbarkeit und Last",
  noFigures: "Keine Messreihen in diesem Lauf.",
  availability: "Verfügbarkeit",
  probes: "Proben",
  failedProbes: "fehlgeschlagen",
  latency: "Antwortzeit",
  requestsLabel: "Anfragen",
  errorsLabel: "Fehler",
  rateLabel: "Anfragen/s",
  targetLabel: "Ziel",
  signOff: "Freigabe",
  signOffIntro: "Mit der Unterschrift bestätigen die Parteien, dass dieses Protokoll den Prüfstand der Instanz zum angegebenen Datum wiedergibt.",
  roleSupplier: "Auftragnehmer (Betrieb / QA)",
  roleCustomer: "Auftraggeber",
  name: "Name",
  signature: "Unterschrift",
  place: "Ort, Datum",
  decision: "Entscheidung",
  decisionOptions: "☐ abgenommen   ☐ abgenommen mit Auflagen   ☐ nicht abgenommen",
  generated: "Erzeugt von mxaccept {version} am {date}.",
  screenshot: "Bildschirmfoto",
} as const;

export type MessageKey = keyof typeof de;

const en: Record<MessageKey, string> = {
  docTitle: "Acceptance record",
  langName: "English",
  otherVersion: "Deutsche Fassung oben",
  instance: "Instance",
  url: "URL",
  serverName: "Server name",
  serverVersion: "Server software and version",
  fingerprint: "Configuration fingerprint",
  fingerprintInputs: "Inputs",
  fingerprintNone: "not recorded (the run wrote no instance.json)",
  runId: "Run",
  date: "Date (UTC)",
  duration: "Duration",
  harness: "Test harness",
  profile: "Service description (profile)",
  summary: "Result",
  summaryLine: "{passed} passed, {failed} failed, {skipped} not checked, {manual} to be confirmed manually",
  verdictPass: "Every requirement this run could check automatically passed.",
  verdictFail: "At least one requirement failed.",
  verdictIncomplete: "No requirement failed, but {skipped} requirements were not checked in this run: the examination is incomplete.",
  requirements: "Requirements",
  colId: "Id",
  colRequirement: "Requirement",
  colStatus: "Status",
  colProof: "Proven by",
  colEvidence: "Evidence",
  status_passed: "passed",
  status_failed: "failed",
  status_skipped: "not checked",
  status_manual: "manual",
  proof_live: "live",
  proof_audit: "audit (read-only)",
  proof_manual: "manual",
  proof_none: "—",
  proofLegend: "Proven by: live = the harness made the instance do it and observed the result; audit = a read-only inspection of stored data through the admin API; manual = cannot be observed from outside, the operator evidences it (checklist below).",
  tests: "Tests",
  reason: "Reason",
  noEvidence: "no evidence",
  manualChecklist: "Items to confirm manually",
  manualIntro: "The harness cannot observe these requirements. The operator presents the evidence; the examiner ticks it off.",
  manualNone: "This profile has no manual items.",
  manualEvidence: "Evidence presented",
  checkedBy: "checked by / date",
  figures: "Availability and load",
  noFigures: "No figures in this run.",
  availability: "Availability",
  probes: "probes",
  failedProbes: "failed",
  latency: "Latency",
  requestsLabel: "requests",
  errorsLabel: "errors",
  rateLabel: "requests/s",
  targetLabel: "target",
  signOff: "Sign-off",
  signOffIntro: "By signing, the parties confirm that this record states the instance's tested condition at the date given.",
  roleSupplier: "Supplier (operations / QA)",
  roleCustomer: "Customer",
  name: "Name",
  signature: "Signature",
  place: "Place, date",
  decision: "Decision",
  decisionOptions: "☐ accepted   ☐ accepted with conditions   ☐ not accepted",
  generated: "Generated by mxaccept {version} on {date}.",
  screenshot: "Screenshot",
};

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { de, en };

/** The message `key` in `lang`, with `{name}` placeholders filled from `vars`. */
export function msg(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** German for the reasons the harness itself gives (results.ts, fixtures); other reasons stay as the test wrote them. */
const REASONS_DE: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^no check implemented$/, () => "noch keine Prüfung implementiert"],
  [/^not selected by --grep (.*)$/, (m) => `nicht ausgewählt durch --grep ${m[1]}`],
  [/^suite (\S+) not selected \(--suite (.*)\)$/, (m) => `Testbereich ${m[1]} nicht ausgewählt (--suite ${m[2]})`],
  [/^not part of profile (.*)$/, (m) => `nicht Teil des Profils ${m[1]}`],
];

export function reasonText(lang: Lang, reason: string): string {
  if (lang === "en") return reason;
  for (const [re, de] of REASONS_DE) {
    const m = reason.match(re);
    if (m) return de(m);
  }
  return reason;
}
