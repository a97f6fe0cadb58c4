import { execFileSync } from "node:child_process";
import { capabilitiesHtml } from "./capabilities-html.ts";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { extname, isAbsolute, join, relative } from "node:path";
import type { Profile } from "../config/profile.ts";
import { projectRoot } from "../config/paths.ts";
import { type Lang, msg, count, reasonText, type MessageKey } from "./i18n.ts";
import { checkText, type RequirementResult, type Results, type Summary } from "./results.ts";
import { proofOf } from "./proof.ts";
import { failureParts } from "./reasons-de.ts";
import type { InstanceInfo } from "./fingerprint.ts";
import { loadFigures, type LoadedFigures, type Figure } from "./figures.ts";
import { esc, latencySvg, availabilitySvg, availabilityStats, seriesSvg } from "./plots.ts";

/**
 * The acceptance record: one self-contained HTML document (inline CSS and SVG, screenshots embedded), German
 * first and the English version after it, both rendered by `renderSection` from the message tables in i18n.ts.
 * Each version reads as a record: the result and the decision, the requirement table, the manual checklist and
 * the sign-off first; then the instance and its capabilities, the figures, and the evidence of each requirement.
 * Reasons are given in the version's language (src/report/reasons-de.ts); a failure's message is quoted verbatim.
 * `mxaccept run` writes it into every report folder as acceptance.html; `mxaccept report` renders it again
 * (and the PDF, src/report/pdf.ts).
 */

export interface RecordInput {
  results: Results;
  profile: Profile;
  instance?: InstanceInfo;
  figures: LoadedFigures;
  harness: { version: string; commit?: string };
  /** The run's report folder: screenshots are resolved against it. */
  reportDir: string;
  generatedAt: string;
}

const MAX_EMBED_BYTES = 2_000_000;
const EVIDENCE_CHARS = 420;

export function harnessVersion(): { version: string; commit?: string } {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { version: string };
  let commit: string | undefined;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: projectRoot(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    commit = undefined;
  }
  return { version: pkg.version, commit };
}

/** Everything the record needs from a report folder (results.json, instance.json, figures). */
export function recordInput(reportDir: string, results: Results, profile: Profile): RecordInput {
  const instPath = join(reportDir, "instance.json");
  return {
    results,
    profile,
    instance: existsSync(instPath) ? (JSON.parse(readFileSync(instPath, "utf8")) as InstanceInfo) : undefined,
    figures: loadFigures(reportDir),
    harness: harnessVersion(),
    reportDir,
    generatedAt: new Date().toISOString(),
  };
}

function utc(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z").replace(/Z$/, " UTC");
}

function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${(ms / 1000).toFixed(1)} s`;
}

function title(t: string | { de: string; en: string }, lang: Lang): string {
  return typeof t === "string" ? t : t[lang];
}

/** One value of an evidence object, short: long lists and strings are clipped. */
function valueText(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v.length > 140 ? `${v.slice(0, 139)}…` : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    const shown = v.slice(0, 4).map((x) => valueText(x, depth + 1)).join(", ");
    return v.length > 4 ? `[${shown}, … +${v.length - 4}]` : `[${shown}]`;
  }
  if (depth > 1) return "{…}";
  const entries = Object.entries(v as Record<string, unknown>);
  return `{${entries.slice(0, 6).map(([k, x]) => `${k}: ${valueText(x, depth + 1)}`).join(", ")}${entries.length > 6 ? ", …" : ""}}`;
}

function screenshotHtml(ev: { attachment: string; path: string }, input: RecordInput, lang: Lang): string {
  const full = isAbsolute(ev.path) ? ev.path : join(input.reportDir, ev.path);
  const label = `${esc(msg(lang, "screenshot"))}: <code>${esc(ev.attachment)}</code>`;
  const alt = `${esc(msg(lang, "screenshot"))}: ${esc(ev.attachment)}`;
  if (existsSync(full) && statSync(full).size <= MAX_EMBED_BYTES) {
    const type = extname(full).toLowerCase() === ".jpg" || extname(full).toLowerCase() === ".jpeg" ? "image/jpeg" : "image/png";
    return `<figure class="shot"><img alt="${alt}" src="data:${type};base64,${readFileSync(full).toString("base64")}"/><figcaption>${label}</figcaption></figure>`;
  }
  return `<a href="${esc(relative(input.reportDir, full))}">${label}</a>`;
}

function evidenceHtml(req: RequirementResult, input: RecordInput, lang: Lang): string {
  // Every check of the requirement, also those that did not run or skipped themselves, with its proof and why.
  const tests = req.tests.map((t) => {
    const executed = t.status !== "not-run" && t.status !== "skipped";
    const when = executed ? ` <span class="dim">(${durationText(t.durationMs)}${t.startedAt ? `, ${utc(t.startedAt)}` : ""})</span>` : "";
    const proof = t.proof && t.proof !== "none" ? ` <span class="dim">[${esc(msg(lang, `proof_${t.proof}` as MessageKey))}]</span>` : "";
    const why = t.status !== "passed" && t.reason ? `<div class="reason">${reasonHtml(lang, t.reason, t.status === "failed")}</div>` : "";
    return `<li><span class="st st-${t.status}">${esc(msg(lang, `check_${t.status}` as MessageKey))}</span> <code class="check">${esc(t.title)}</code>${proof}${when}${why}</li>`;
  });
  const items = req.evidence.map((e) => {
    if (e && typeof e === "object" && "attachment" in e && "path" in e) return `<li>${screenshotHtml(e as { attachment: string; path: string }, input, lang)}</li>`;
    if (!e || typeof e !== "object") return `<li><code>${esc(valueText(e))}</code></li>`;
    const entries = Object.entries(e as Record<string, unknown>).filter(([k, v]) => !(k === "requirement" && v === req.id));
    // At most ~EVIDENCE_CHARS characters per piece of evidence: the record is read, results.json keeps it all.
    const shown: string[] = [];
    let used = 0;
    for (const [k, v] of entries) {
      const text = valueText(v);
      if (used > 0 && used + k.length + text.length > EVIDENCE_CHARS) {
        shown.push(`… (results.json)`);
        break;
      }
      shown.push(`<b>${esc(k)}</b>: ${esc(text)}`);
      used += k.length + text.length;
    }
    return `<li><code>${shown.join("; ")}</code></li>`;
  });
  if (!tests.length && !items.length) return "";
  return `${tests.length ? `<ul class="tests">${tests.join("")}</ul>` : ""}${items.length ? `<ul class="ev">${items.join("")}</ul>` : ""}`;
}

/** A reason in `lang`: a failure's message verbatim (the harness's or the server's words, as code), else translated. */
function reasonHtml(lang: Lang, reason: string, failure: boolean): string {
  if (!failure) return esc(reasonText(lang, reason));
  const { message, more } = failureParts(reason);
  return `${esc(msg(lang, "failureMessage"))}: <code>${esc(message)}</code>${more ? ` (${esc(msg(lang, "moreFailed", { n: more }))})` : ""}`;
}

/** What a requirement's row says under its title: why it is not passed. */
function requirementReason(r: RequirementResult, lang: Lang, input: RecordInput): string {
  const pr = input.profile.requirements.find((p) => p.id === r.id);
  if (r.status === "manual" && pr?.manualReason) return esc(pr.manualReason[lang]);
  // An incomplete requirement: how many checks are open, and why each (the details under "evidence by requirement").
  if (r.status === "incomplete") {
    const open = r.tests.filter((t) => t.status !== "passed");
    const why = [...new Set(open.filter((t) => t.reason).map((t) => reasonHtml(lang, t.reason!, t.status === "failed")))];
    return `${esc(msg(lang, "reasonIncomplete", { open: open.length, total: r.tests.length }))}${why.length ? `: ${why.join("; ")}` : ""}`;
  }
  // A skipped one's checks say why in each language.
  if (r.status === "skipped" && r.tests.length) return esc([...new Set(r.tests.map((t) => reasonText(lang, t.reason ?? "")))].filter(Boolean).join("; "));
  if (r.status === "failed" && r.reason) return reasonHtml(lang, r.reason, true);
  return esc(reasonText(lang, r.reason ?? ""));
}

/** The requirement table: one row per requirement, its status, how proven and why not passed; the evidence is after. */
function requirementRows(input: RecordInput, lang: Lang): string {
  return input.results.requirements.map((r) => {
    const pr = input.profile.requirements.find((p) => p.id === r.id);
    const reqTitle = pr ? pr.title[lang] : r.title;
    const reason = requirementReason(r, lang, input);
    const proof = proofOf(r).map((p) => msg(lang, `proof_${p}` as MessageKey)).join(" + ");
    return `<tbody class="req"><tr class="row-${r.status}"><td class="id">${esc(r.id)}</td><td>${esc(reqTitle)}${reason ? `<div class="reason">${esc(msg(lang, "reason"))}: ${reason}</div>` : ""}</td>`
      + `<td><span class="st st-${r.status}">${esc(msg(lang, `status_${r.status}` as MessageKey))}</span></td><td>${esc(proof)}</td></tr>`
      + "</tbody>";
  }).join("");
}

/** The evidence of each requirement that has checks or evidence: every check with its proof and why, then what it recorded. */
function evidenceSection(input: RecordInput, lang: Lang): string {
  return input.results.requirements.map((r) => {
    const ev = evidenceHtml(r, input, lang);
    if (!ev) return "";
    const pr = input.profile.requirements.find((p) => p.id === r.id);
    return `<div class="evreq" data-id="${esc(r.id)}"><h3><span class="id">${esc(r.id)}</span> ${esc(pr ? pr.title[lang] : r.title)} <span class="st st-${r.status}">${esc(msg(lang, `status_${r.status}` as MessageKey))}</span></h3>${ev}</div>`;
  }).join("");
}

function manualChecklist(input: RecordInput, lang: Lang): string {
  const row = (id: string, titleHtml: string, reason: string) => `<tr><td class="box">☐</td><td class="id">${esc(id)}</td><td>${titleHtml}<div class="reason">${esc(reason)}</div></td><td class="blank"></td><td class="who"></td></tr>`;
  // A manual requirement is one row. A manual check beside checks that ran (e.g. the browsers a run cannot drive,
  // which leave the requirement incomplete) is for the examiner to confirm: a row of its own.
  const rows = input.results.requirements.flatMap((r) => {
    const pr = input.profile.requirements.find((p) => p.id === r.id);
    const title = pr?.title[lang] ?? r.title;
    if (r.status === "manual") return [row(r.id, esc(title), pr?.manualReason?.[lang] ?? reasonText(lang, r.reason ?? ""))];
    return r.tests.filter((t) => t.status === "manual").map((t) => row(r.id, `${esc(title)}: <code class="check">${esc(checkText(t.title))}</code>`, reasonText(lang, t.reason ?? "")));
  });
  if (!rows.length) return `<p>${esc(msg(lang, "manualNone"))}</p>`;
  return `<p>${esc(msg(lang, "manualIntro"))}</p><table class="check"><thead><tr><th class="box"></th><th class="id">${esc(msg(lang, "colId"))}</th><th>${esc(msg(lang, "colRequirement"))}</th><th class="blank">${esc(msg(lang, "manualEvidence"))}</th><th class="who">${esc(msg(lang, "checkedBy"))}</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(3).replace(/\.?0+$/, "")} %`;
}

function figureHtml(fig: Figure, source: string, lang: Lang): string {
  const head = `<h3>${esc(title(fig.title, lang))} <span class="dim">(${esc(source)})</span></h3>`;
  if (fig.kind === "latency") {
    const rows = fig.series.map((s) => `<tr><td>${esc(s.label)}</td><td>${s.p50}</td><td>${s.p90 ?? "—"}</td><td>${s.p99}</td><td>${s.max ?? "—"}</td><td>${s.requests ?? "—"}</td><td>${s.rps ?? "—"}</td><td>${s.errors ?? "—"}</td></tr>`).join("");
    return `${head}${latencySvg(fig, { threshold: msg(lang, "targetLabel") })}<table class="nums"><thead><tr><th></th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>${esc(msg(lang, "requestsLabel"))}</th><th>${esc(msg(lang, "rateLabel"))}</th><th>${esc(msg(lang, "errorsLabel"))}</th></tr></thead><tbody>${rows}</tbody></table><p class="dim">${esc(msg(lang, "latency"))}: ${esc(fig.unit)}</p>`;
  }
  if (fig.kind === "availability") {
    const st = availabilityStats(fig);
    const target = fig.target !== undefined ? `; ${esc(msg(lang, "targetLabel"))} ${percent(fig.target)} ${st.availability >= fig.target ? "✔" : "✘"}` : "";
    return `${head}<p><b>${esc(msg(lang, "availability"))}: ${percent(st.availability)}</b> (${st.probes} ${esc(msg(lang, "probes"))}, ${st.failed} ${esc(msg(lang, "failedProbes"))}${target})</p>${availabilitySvg(fig, { latency: msg(lang, "latency") })}`;
  }
  return `${head}${seriesSvg(fig)}`;
}

function figuresHtml(input: RecordInput, lang: Lang): string {
  const { figures, unreadable } = input.figures;
  const parts = figures.map((f) => `<div class="figure">${figureHtml(f.figure, f.source, lang)}</div>`);
  if (!parts.length) parts.push(`<p>${esc(msg(lang, "noFigures"))}</p>`);
  if (unreadable.length) parts.push(`<ul class="dim">${unreadable.map((u) => `<li>${esc(u.source)}: ${esc(u.problem)}</li>`).join("")}</ul>`);
  return parts.join("");
}

function instanceHtml(input: RecordInput, lang: Lang): string {
  const { results, instance, harness, profile } = input;
  const fp = instance
    ? `<code>${esc(instance.fingerprint.slice(0, 16))}</code> <span class="dim">(SHA-256 ${esc(instance.fingerprint)})</span><div class="dim">${esc(msg(lang, "fingerprintInputs"))}: ${instance.inputs.map((i) => `${esc(i.name)} ${i.sha256 ? `✔ <code>${esc(i.sha256.slice(0, 8))}</code>` : `✘ (${esc(i.unavailable ?? "")})`}`).join(" · ")}</div>`
    : esc(msg(lang, "fingerprintNone"));
  const rows: [MessageKey, string][] = [
    ["url", `<code>${esc(results.target.baseUrl)}</code>`],
    ["serverName", `<code>${esc(results.target.serverName)}</code>`],
    ["serverVersion", esc(results.target.serverVersion)],
    ["fingerprint", fp],
    ["profile", `${esc(profile.title[lang])} (<code>${esc(profile.id)}</code>)`],
    ["runId", `<code>${esc(results.runId)}</code>`],
    ["selection", selectionText(input, lang)],
    ["date", `${esc(utc(results.startedAt))} – ${esc(utc(results.finishedAt))}`],
    ["duration", esc(durationText(Date.parse(results.finishedAt) - Date.parse(results.startedAt)))],
    ["harness", `mxaccept ${esc(harness.version)}${harness.commit ? ` (<code>${esc(harness.commit)}</code>)` : ""}`],
  ];
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(msg(lang, k))}</th><td>${v}</td></tr>`).join("")}</table>`;
}

/** Whether the record may offer "accepted": nothing failed, incomplete or skipped. */
export function acceptable(s: Summary): boolean {
  return !s.failed && !s.incomplete && !s.skipped;
}

function signOffHtml(lang: Lang): string {
  const party = (role: MessageKey) => `<div class="party"><h3>${esc(msg(lang, role))}</h3><table class="sign"><tr><th>${esc(msg(lang, "name"))}</th><td></td></tr><tr><th>${esc(msg(lang, "place"))}</th><td></td></tr><tr><th>${esc(msg(lang, "signature"))}</th><td class="sig"></td></tr></table></div>`;
  return `<p>${esc(msg(lang, "signOffIntro"))}</p><div class="parties">${party("roleSupplier")}${party("roleCustomer")}</div>`;
}

/** The summary's one sentence: failed, else incomplete (what is missing), else passed. */
export function verdictText(lang: Lang, s: Summary): string {
  if (s.failed) return count(lang, "verdictFail", s.failed);
  if (s.incomplete || s.skipped) {
    const parts = [s.incomplete ? count(lang, "partIncomplete", s.incomplete) : "", s.skipped ? count(lang, "partSkipped", s.skipped) : ""].filter(Boolean);
    return msg(lang, "verdictIncomplete", { open: parts.join(", ") });
  }
  return msg(lang, "verdictPass");
}

function selectionText(input: RecordInput, lang: Lang): string {
  const sel = input.results.selection;
  if (!sel?.suites && !sel?.grep) return esc(msg(lang, "selectionAll"));
  return `<code>${esc([sel.suites ? `--suite ${sel.suites.join(",")}` : "", sel.grep ? `--grep ${sel.grep}` : ""].filter(Boolean).join(" "))}</code>`;
}

/** One language's version of the record. */
export function renderSection(input: RecordInput, lang: Lang): string {
  // Results written before `incomplete` existed have no such count.
  const s: Summary = { ...input.results.summary, incomplete: input.results.summary.incomplete ?? 0 };
  const { results } = input;
  return `<section class="lang" lang="${lang}" id="${lang}">
<header><div class="kicker">${esc(msg(lang, "langName"))} · <a href="#${lang === "de" ? "en" : "de"}">${esc(msg(lang, "otherVersion"))}</a></div>
<h1>${esc(msg(lang, "docTitle"))}: ${esc(results.target.serverName)}</h1>
<p class="subject"><code>${esc(results.target.baseUrl)}</code> · ${esc(input.profile.title[lang])} · ${esc(msg(lang, "runId"))} <code>${esc(results.runId)}</code> · ${esc(utc(results.startedAt))}</p></header>
<h2>${esc(msg(lang, "summary"))}</h2>
<p class="verdict ${s.failed ? "bad" : acceptable(s) ? "good" : "warn"}">${esc(verdictText(lang, s))}</p>
<p>${esc(msg(lang, "summaryLine", s))}</p>
<p class="decision"><b>${esc(msg(lang, "decision"))}:</b> ${esc(acceptable(s) ? msg(lang, "decisionOptions") : msg(lang, "decisionBlocked"))}</p>
<h2>${esc(msg(lang, "requirements"))}</h2>
<p class="dim">${esc(msg(lang, "proofLegend"))}</p>
<table class="reqs"><thead><tr><th>${esc(msg(lang, "colId"))}</th><th>${esc(msg(lang, "colRequirement"))}</th><th>${esc(msg(lang, "colStatus"))}</th><th>${esc(msg(lang, "colProof"))}</th></tr></thead>${requirementRows(input, lang)}</table>
<h2 class="newpage">${esc(msg(lang, "manualChecklist"))}</h2>${manualChecklist(input, lang)}
<h2 class="keep">${esc(msg(lang, "signOff"))}</h2><div class="keep">${signOffHtml(lang)}</div>
<h2 class="newpage">${esc(msg(lang, "instance"))}</h2>${instanceHtml(input, lang)}${capabilitiesHtml(results.capabilities, lang)}
<h2>${esc(msg(lang, "figures"))}</h2>${figuresHtml(input, lang)}
<h2 class="newpage">${esc(msg(lang, "evidenceTitle"))}</h2><p class="dim">${esc(msg(lang, "evidenceLegend"))}</p>${evidenceSection(input, lang)}
<p class="dim foot">${esc(msg(lang, "generated", { version: input.harness.version, date: utc(input.generatedAt) }))}</p>
</section>`;
}

const CSS = `
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #1b1b1b; margin: 0 auto; max-width: 190mm; line-height: 1.35; }
h1 { font-size: 17pt; margin: 2mm 0 4mm; } h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #999; } h3 { font-size: 10.5pt; margin: 4mm 0 1mm; }
.kicker { color: #555; font-size: 9pt; } .dim { color: #666; font-size: 8.5pt; } code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 1.2mm 1.5mm; }
table.kv th { width: 42mm; color: #444; font-weight: normal; } table.kv td, table.kv th { border-bottom: 1px solid #ddd; }
table.reqs thead th { border-bottom: 2px solid #444; } tbody.req { break-inside: avoid; page-break-inside: avoid; } tbody.req tr:first-child td { border-top: 1px solid #ccc; }
td.id { white-space: nowrap; font-weight: bold; font-size: 9pt; } .reason { color: #6b3a00; font-size: 8.5pt; margin-top: 0.5mm; }
tr.evrow td { padding-top: 0; font-size: 8pt; color: #333; } ul.tests, ul.ev { margin: 0; padding-left: 4mm; } ul.ev code { font-size: 7.5pt; word-break: break-word; }
.st { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; font-size: 8.5pt; white-space: nowrap; }
.st-passed { background: #dff0d8; color: #235d23; } .st-failed { background: #f6d5d1; color: #8a1f11; } .st-skipped { background: #eee; color: #555; } .st-manual { background: #fdf0cf; color: #6b4d00; }
.st-incomplete, .st-inconclusive { background: #fde3c4; color: #7a3e00; } .st-not-run { background: #eee; color: #555; border: 1px dashed #999; }
.verdict { font-weight: bold; padding: 2mm; } .verdict.good { background: #dff0d8; } .verdict.bad { background: #f6d5d1; } .verdict.warn { background: #fdf0cf; }
table.check { table-layout: fixed; width: 99.6%; } table.check td, table.check th { border: 1px solid #999; } table.check .box { font-size: 14pt; width: 7mm; text-align: center; }
table.check .id { width: 40mm; overflow-wrap: anywhere; white-space: normal; } table.check .blank { width: 36mm; } table.check .who { width: 28mm; }
table.nums td, table.nums th { border-bottom: 1px solid #ddd; font-size: 8.5pt; text-align: right; } table.nums td:first-child { text-align: left; }
.figure { break-inside: avoid; page-break-inside: avoid; margin-bottom: 4mm; }
svg.plot { max-width: 170mm; } svg .lbl { font-size: 10px; } svg .val, svg .tick { font-size: 9px; fill: #333; } svg .axis { stroke: #555; stroke-width: 1; }
svg .limit { stroke: #c0392b; stroke-dasharray: 4 3; } svg .limit-text { fill: #c0392b; }
figure.shot img { max-width: 120mm; max-height: 80mm; border: 1px solid #ccc; } figure.shot { margin: 1mm 0; } figcaption { font-size: 8pt; color: #555; }
.parties { display: flex; gap: 8mm; } .party { flex: 1; } table.sign th { width: 28mm; font-weight: normal; color: #444; vertical-align: bottom; } table.sign td { border-bottom: 1px solid #333; height: 9mm; } table.sign td.sig { height: 16mm; }
.keep { break-inside: avoid; page-break-inside: avoid; break-after: avoid; }
section.lang + section.lang { break-before: page; page-break-before: always; }
h2.newpage { break-before: page; page-break-before: always; }
.foot { margin-top: 8mm; }
table.reqs { table-layout: fixed; } table.reqs th:nth-child(1) { width: 38mm; } table.reqs th:nth-child(3) { width: 27mm; } table.reqs th:nth-child(4) { width: 26mm; }
td.id { overflow-wrap: anywhere; }
p.subject { color: #444; font-size: 9pt; margin: 0 0 2mm; } .decision { border: 1px solid #999; padding: 2mm; }
.evreq { margin-bottom: 3mm; } .evreq h3 { break-after: avoid; page-break-after: avoid; } .evreq h3 .id { font-size: 9pt; } .evreq ul { font-size: 8pt; }
code.check { font-size: 8pt; }
@media print { body { max-width: none; } }
@media screen { body { padding: 8mm; } section.lang + section.lang { border-top: 4px double #999; margin-top: 12mm; padding-top: 6mm; } }
`;

/** The complete record: German, then English, one self-contained HTML document. */
export function renderRecord(input: RecordInput): string {
  const langs: Lang[] = ["de", "en"];
  return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(msg("de", "docTitle"))} / ${esc(msg("en", "docTitle"))}: ${esc(input.results.target.serverName)} (${esc(input.results.runId)})</title>
<style>${CSS}</style></head>
<body>
${langs.map((l) => renderSection(input, l)).join("\n")}
</body></html>
`;
}

export function writeRecordHtml(input: RecordInput): string {
  const path = join(input.reportDir, "acceptance.html");
  writeFileSync(path, renderRecord(input));
  return path;
}
