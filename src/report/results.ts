import type { RunCapabilities } from "../matrix/capabilities.ts";
import type { Profile } from "../config/profile.ts";

/**
 * results.json, as DESIGN.md specifies it: every requirement of the profile exactly once, with the tests that
 * carry its id in their title. Pure functions, so the mapping is unit-tested without running anything.
 */

export type TestStatus = "passed" | "failed" | "skipped";
export type RequirementStatus = "passed" | "failed" | "skipped" | "manual";

export interface TestOutcome {
  title: string;
  file?: string;
  status: TestStatus;
  durationMs: number;
  /** When the (last) attempt started, ISO 8601. */
  startedAt?: string;
  error?: string;
  /** Why it was skipped, or why it is manual (annotation type "manual"). */
  annotations: { type: string; description?: string }[];
  evidence: unknown[];
}

export interface RequirementResult {
  id: string;
  title: string;
  status: RequirementStatus;
  reason?: string;
  tests: { title: string; status: TestStatus; durationMs: number; startedAt?: string; error?: string }[];
  evidence: unknown[];
}

export interface Results {
  runId: string;
  startedAt: string;
  finishedAt: string;
  profile: string;
  target: { baseUrl: string; serverName: string; serverVersion: string };
  requirements: RequirementResult[];
  summary: { passed: number; failed: number; skipped: number; manual: number };
  /** What pre-flight detected on the target's homeservers (capabilities.json of the run), when it ran. */
  capabilities?: RunCapabilities;
}

/** Requirement ids in a test title: BUM-2.1.a1, VSM-2.1.no-public-bridge, SEC-anonymous, BUM-7 … */
const ID = /(?<![A-Za-z0-9.-])(?:BUM|VSM|SEC)-[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*/g;

export function requirementIds(title: string): string[] {
  return [...new Set((title.match(ID) ?? []).map((id) => id.replace(/[.-]+$/, "")))];
}

function firstLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim())?.trim() ?? s;
}

export function aggregate(profile: Profile, outcomes: TestOutcome[], missingReason = "no check implemented"): RequirementResult[] {
  return profile.requirements.map((req) => {
    const tests = outcomes.filter((o) => requirementIds(o.title).includes(req.id));
    const { status, reason } = verdict(req.check === "manual" ? req.manualReason?.en ?? "manual" : undefined, tests, missingReason);
    return {
      id: req.id,
      title: req.title.en,
      status,
      ...(reason ? { reason } : {}),
      tests: tests.map((t) => ({ title: t.title, status: t.status, durationMs: t.durationMs, ...(t.startedAt ? { startedAt: t.startedAt } : {}), ...(t.error ? { error: t.error } : {}) })),
      evidence: tests.flatMap((t) => t.evidence),
    };
  });
}

/**
 * One requirement's status from its tests: a failed test fails it; a manual requirement stays manual; a passed
 * test passes it, unless every passed test carries a "manual" annotation (it proved a part, not the item);
 * tests that all declared the item unobservable (annotation "manual") make it manual; tests that were all
 * skipped give their reasons; no test at all gives `missingReason`.
 */
function verdict(manualReason: string | undefined, tests: TestOutcome[], missingReason: string): { status: RequirementStatus; reason?: string } {
  const failed = tests.find((t) => t.status === "failed");
  if (failed) return { status: "failed", reason: firstLine(failed.error ?? "test failed") };
  if (manualReason) return { status: "manual", reason: manualReason };
  const manual = tests.flatMap((t) => t.annotations.filter((a) => a.type === "manual"));
  const passed = tests.filter((t) => t.status === "passed");
  // A passed test that declares what it proved is not the requirement itself (a month of availability cannot
  // be observed in one run) leaves the requirement manual, with its evidence, unless another test passed it.
  if (passed.length && passed.every((t) => t.annotations.some((a) => a.type === "manual"))) return { status: "manual", reason: manual[0]!.description ?? "cannot be observed in a run" };
  if (passed.length) return { status: "passed" };
  if (manual.length) return { status: "manual", reason: manual[0]!.description ?? "cannot be observed from outside" };
  if (!tests.length) return { status: "skipped", reason: missingReason };
  const reasons = [...new Set(tests.flatMap((t) => t.annotations.filter((a) => a.type === "skip").map((a) => a.description ?? "")).filter(Boolean))];
  return { status: "skipped", reason: reasons.join("; ") || "skipped" };
}

export function summarize(requirements: RequirementResult[]): Results["summary"] {
  const summary = { passed: 0, failed: 0, skipped: 0, manual: 0 };
  for (const r of requirements) summary[r.status]++;
  return summary;
}

/** Replaces every secret in a text (tokens, passwords, shared secrets) by a marker. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("<redacted>");
  return out;
}
