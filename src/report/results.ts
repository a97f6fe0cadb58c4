import type { RunCapabilities } from "../matrix/capabilities.ts";
import type { Profile } from "../config/profile.ts";

/**
 * results.json, as DESIGN.md specifies it: every requirement of the profile exactly once, with every check (test)
 * that carries its id in its title, whether it ran or not. Pure functions, so the status rules (REQUIREMENTS.md)
 * are unit-tested without running anything.
 *
 * A check's status:
 *   passed        ran, passed, and was conclusive
 *   failed        ran and failed (or timed out)
 *   inconclusive  ran without failing but declared it cannot decide (`inconclusive()` in fixtures/index.ts)
 *   manual        declared that what it checks cannot be observed (annotation "manual"): for a human to confirm
 *   skipped       started and skipped itself (a capability or target key is missing; its skip reason says which)
 *   not-run       in the catalogue but not run: suite not selected, not selected by --grep, or the run stopped
 * A requirement's status (of the checks that carry its id):
 *   failed        any check failed
 *   manual        the profile marks it manual; or its checks are all manual
 *   passed        every check passed
 *   skipped       no check ran (every check skipped or not run, or no check exists)
 *   incomplete    anything else: something ran, but a check did not run, was skipped or was inconclusive, or the
 *                 others are manual (proven in part: the reason names what a human confirms)
 */

/** How a check ended, as the reporter saw it (Playwright's statuses, "timedOut" folded into "failed"). */
export type TestStatus = "passed" | "failed" | "skipped" | "interrupted";
export type CheckStatus = "passed" | "failed" | "skipped" | "not-run" | "inconclusive" | "manual";
export type RequirementStatus = "passed" | "failed" | "incomplete" | "skipped" | "manual";
/** How a check proved what it proved (REQUIREMENTS.md); `none` for a check that produced no proof. */
export type ProofKind = "live" | "audit" | "config" | "calculation" | "measurement" | "manual";
export type CheckProof = ProofKind | "none";

/** A test as Playwright reported it at its end. */
export interface TestOutcome {
  title: string;
  /** The spec file relative to scenarios/ ("messaging/direct-chat.spec.ts"). */
  file?: string;
  /** Titles of the describe blocks around the test, outermost first. */
  describes?: string[];
  status: TestStatus;
  durationMs: number;
  /** When the (last) attempt started, ISO 8601. */
  startedAt?: string;
  error?: string;
  /** Skip reasons (type "skip"/"fixme"), "manual" and "inconclusive" declarations. */
  annotations: { type: string; description?: string }[];
  evidence: unknown[];
}

/** A check (test) as the catalogue lists it, whether or not it runs: see src/report/catalogue.ts. */
export interface CatalogueEntry {
  file: string;
  describes: string[];
  title: string;
  line?: number;
}

/** What the user selected: `--suite` and `--grep` of `mxaccept run`. */
export interface Selection {
  suites?: string[];
  grep?: string;
}

export interface CheckResult {
  title: string;
  file?: string;
  status: CheckStatus;
  proof: CheckProof;
  /** Why it is not passed: the failure's first line, the skip reason, why it did not run, why inconclusive/manual. */
  reason?: string;
  durationMs: number;
  startedAt?: string;
  error?: string;
}

export interface RequirementResult {
  id: string;
  title: string;
  status: RequirementStatus;
  reason?: string;
  tests: CheckResult[];
  evidence: unknown[];
}

export type Summary = Record<RequirementStatus, number>;

export interface Results {
  runId: string;
  startedAt: string;
  finishedAt: string;
  profile: string;
  target: { baseUrl: string; serverName: string; serverVersion: string };
  /** What the run selected; absent: every suite, no --grep. */
  selection?: Selection;
  requirements: RequirementResult[];
  summary: Summary;
  /** What pre-flight detected on the target's homeservers (capabilities.json of the run), when it ran. */
  capabilities?: RunCapabilities;
}

/** Requirement ids in a test title: BUM-2.1.a1, VSM-2.1.no-public-bridge, SEC-anonymous, BUM-7 … */
const ID = /(?<![A-Za-z0-9.-])(?:BUM|VSM|SEC)-[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*/g;

export function requirementIds(title: string): string[] {
  return [...new Set((title.match(ID) ?? []).map((id) => id.replace(/[.-]+$/, "")))];
}

/** The check a title describes: the title without its leading requirement ids. */
export function checkText(title: string): string {
  let s = title;
  for (const id of requirementIds(title)) s = s.replace(id, "");
  return s.replace(/^[\s,;:]+/, "").trim();
}

/** The first non-empty line of an error message, without terminal colour codes. */
export function firstLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim())?.trim() ?? s;
}

/** The suite of a spec file: its folder under scenarios/. */
export function suiteOfFile(file: string): string {
  return file.replace(/\\/g, "/").split("/")[0] ?? "";
}

/** `--grep` as Playwright reads it: "/re/flags" or a pattern matched case-insensitively. */
export function userGrep(grep: string): RegExp {
  const m = grep.match(/^\/(.*)\/([gi]*)$/);
  return m ? new RegExp(m[1]!, m[2]!.replace("g", "")) : new RegExp(grep, "i");
}

/**
 * The Playwright tag of a check that disturbs others (restarts a homeserver, moves hs1's history back, gets the
 * client's address throttled): playwright.config.ts runs it in the exclusive phase, after every other check.
 */
export const EXCLUSIVE_TAG = "@exclusive";

/** The run's Playwright projects (playwright.config.ts): the parallel phase ("parallel", then "parts"), then "exclusive". */
export const PHASES = ["parallel", "parts", "exclusive"] as const;

/**
 * The text Playwright matches --grep against: project, file, describe titles and the title, space-separated
 * (then the test's tags). The project (the run's phase, PHASES) is left empty here: selectionGrep skips it, so
 * `--grep` never selects by phase.
 */
export function grepTitle(c: { file?: string; describes?: string[]; title: string }): string {
  return ["", "", c.file ?? "", ...(c.describes ?? []).filter(Boolean), c.title].join(" ");
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The grep that selects the tests of a run: a title carries an id of the profile, and (with `--grep`) matches the
 * user's pattern too. Both as lookaheads at the start, so the user's pattern keeps its meaning (anchors, groups).
 */
export function selectionGrep(profile: Pick<Profile, "requirements">, grep?: string): RegExp {
  const ids = `(?<![A-Za-z0-9.-])(?:${profile.requirements.map((r) => escapeRe(r.id)).join("|")})(?![A-Za-z0-9]|[.-][A-Za-z0-9])`;
  if (!grep) return new RegExp(ids);
  const user = userGrep(grep);
  // Playwright matches "<project> <file> <describes> <title> <tags>": the user's pattern is looked for after the
  // project's name (the run's phase), which is consumed first (the negative lookahead keeps it from being skipped).
  const phase = `\\s*(?:${PHASES.join("|")}) `;
  return new RegExp(`^(?:(?!${phase})|${phase})(?=[\\s\\S]*?(?:${user.source}))(?=[\\s\\S]*?${ids})`, user.flags);
}

/** Why a check of the catalogue did not run, given the selection. */
export function whyNotRun(entry: CatalogueEntry, selection: Selection = {}): string {
  const suite = suiteOfFile(entry.file);
  if (selection.suites && !selection.suites.includes(suite)) return `suite ${suite} not selected (--suite ${selection.suites.join(",")})`;
  if (selection.grep && !userGrep(selection.grep).test(grepTitle(entry))) return `not selected by --grep ${selection.grep}`;
  return "did not run: the run stopped before it, or its file failed to load (see the run's output)";
}

const STRENGTH: ProofKind[] = ["live", "audit", "config", "measurement", "calculation", "manual"];

/** The strongest proof kind a check's evidence names (`proof`, or the older `mode` of retention evidence). */
export function declaredProof(evidence: unknown[]): ProofKind | undefined {
  const kinds = new Set(evidence.map((e) => (e && typeof e === "object" ? ((e as Record<string, unknown>).proof ?? (e as Record<string, unknown>).mode) : undefined)));
  return STRENGTH.find((k) => kinds.has(k));
}

function note(o: TestOutcome, type: string): { description?: string } | undefined {
  return o.annotations.find((a) => a.type === type);
}

/** One executed test as a check. */
export function checkOf(o: TestOutcome): CheckResult {
  const base = { title: o.title, ...(o.file ? { file: o.file } : {}), durationMs: o.durationMs, ...(o.startedAt ? { startedAt: o.startedAt } : {}) };
  const manual = note(o, "manual");
  const proof = declaredProof(o.evidence) ?? "live";
  if (o.status === "failed") return { ...base, status: "failed", proof, reason: firstLine(o.error ?? "test failed"), ...(o.error ? { error: o.error } : {}) };
  if (o.status === "interrupted") return { ...base, status: "not-run", proof: "none", reason: "interrupted before it finished" };
  if (o.status === "passed") {
    const inc = note(o, "inconclusive");
    if (inc) return { ...base, status: "inconclusive", proof, reason: inc.description || "inconclusive" };
    if (manual) return { ...base, status: "manual", proof: "manual", reason: manual.description || "cannot be observed in a run" };
    return { ...base, status: "passed", proof };
  }
  if (manual) return { ...base, status: "manual", proof: "manual", reason: manual.description || "cannot be observed from outside" };
  const skip = o.annotations.filter((a) => a.type === "skip" || a.type === "fixme").map((a) => a.description ?? "").filter(Boolean);
  return { ...base, status: "skipped", proof: "none", reason: [...new Set(skip)].join("; ") || "skipped" };
}

function key(c: { file?: string; describes?: string[]; title: string }): string {
  return [c.file ?? "", ...(c.describes ?? []), c.title].join("\u0000");
}

interface Check {
  ids: string[];
  result: CheckResult;
  evidence: unknown[];
}

/**
 * Every check of the run: each executed test, and each catalogue entry that did not run (with why). A test that
 * ran but is not in the catalogue (no catalogue given, or it failed to list) is kept. Without a file, an outcome
 * matches a catalogue entry by title.
 */
export function checksOf(outcomes: TestOutcome[], catalogue: CatalogueEntry[] = [], selection: Selection = {}): Check[] {
  const ran = new Set(outcomes.map((o) => (o.file ? key(o) : o.title)));
  const checks: Check[] = outcomes.map((o) => ({ ids: requirementIds(o.title), result: checkOf(o), evidence: o.evidence }));
  for (const entry of catalogue) {
    if (ran.has(key(entry)) || ran.has(entry.title)) continue;
    checks.push({ ids: requirementIds(entry.title), result: { title: entry.title, file: entry.file, status: "not-run", proof: "none", reason: whyNotRun(entry, selection), durationMs: 0 }, evidence: [] });
  }
  return checks;
}

export interface AggregateOptions {
  catalogue?: CatalogueEntry[];
  selection?: Selection;
}

export function aggregate(profile: Profile, outcomes: TestOutcome[], opts: AggregateOptions = {}): RequirementResult[] {
  const checks = checksOf(outcomes, opts.catalogue, opts.selection);
  return profile.requirements.map((req) => {
    const mine = checks.filter((c) => c.ids.includes(req.id));
    const tests = mine.map((c) => c.result);
    const { status, reason } = verdict(req.check === "manual" ? req.manualReason?.en ?? "manual" : undefined, tests);
    return { id: req.id, title: req.title.en, status, ...(reason ? { reason } : {}), tests, evidence: mine.flatMap((c) => c.evidence) };
  });
}

const WORD: Record<CheckStatus, string> = { passed: "passed", failed: "failed", skipped: "skipped", "not-run": "not run", inconclusive: "inconclusive", manual: "manual" };

/** "«check» not run: suite security not selected (--suite messaging)" */
export function checkLine(t: CheckResult): string {
  const text = checkText(t.title);
  const short = text.length > 70 ? `${text.slice(0, 69)}…` : text;
  return `«${short}» ${WORD[t.status]}${t.reason ? `: ${t.reason}` : ""}`;
}

/** One requirement's status from its checks (the rules at the top of this file). */
export function verdict(manualReason: string | undefined, tests: CheckResult[]): { status: RequirementStatus; reason?: string } {
  const failed = tests.filter((t) => t.status === "failed");
  if (failed.length) return { status: "failed", reason: `${failed[0]!.reason ?? "check failed"}${failed.length > 1 ? ` (and ${failed.length - 1} more failed check${failed.length > 2 ? "s" : ""})` : ""}` };
  if (manualReason) return { status: "manual", reason: manualReason };
  if (!tests.length) return { status: "skipped", reason: "no check implemented" };
  const passed = tests.filter((t) => t.status === "passed");
  const manual = tests.filter((t) => t.status === "manual");
  const open = tests.filter((t) => t.status !== "passed" && t.status !== "manual");
  if (!open.length && !manual.length) return { status: "passed" };
  if (!open.length && !passed.length) return { status: "manual", reason: manual[0]!.reason };
  // Checks passed and the rest are manual (the browsers a run cannot drive): proven in part, so incomplete.
  if (!open.length) return { status: "incomplete", reason: `proven in part (${passed.length} of ${passed.length + manual.length} checks passed); to confirm by hand: ${manual.map(checkLine).join("; ")}` };
  const ran = passed.length + manual.length + open.filter((t) => t.status === "inconclusive").length;
  if (!ran) {
    const reasons = [...new Set(open.map((t) => t.reason ?? WORD[t.status]))];
    return { status: "skipped", reason: reasons.join("; ") };
  }
  return { status: "incomplete", reason: [...open, ...manual].map(checkLine).join("; ") };
}

export function summarize(requirements: RequirementResult[]): Summary {
  const summary: Summary = { passed: 0, failed: 0, incomplete: 0, skipped: 0, manual: 0 };
  for (const r of requirements) summary[r.status]++;
  return summary;
}

/** What a run's outcome means for acceptance: the one verdict line `mxaccept run` ends with. */
export function verdictLine(s: Summary, harnessError?: string): string {
  const counts = `${s.passed} passed, ${s.failed} failed, ${s.incomplete} incomplete, ${s.skipped} skipped, ${s.manual} manual`;
  if (s.failed) return `verdict: ${counts} — NOT ACCEPTED (${s.failed} failed)`;
  if (harnessError) return `verdict: ${counts} — NOT ACCEPTED (${harnessError})`;
  if (s.incomplete || s.skipped) return `verdict: ${counts} — NOT ACCEPTED (not every requirement was proven: ${s.incomplete} incomplete, ${s.skipped} skipped)`;
  if (s.manual) return `verdict: ${counts} — ACCEPTABLE once the ${s.manual} manual item${s.manual === 1 ? " is" : "s are"} confirmed`;
  return `verdict: ${counts} — ACCEPTABLE`;
}

/** Replaces every secret in a text (tokens, passwords, shared secrets) by a marker. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("<redacted>");
  return out;
}
