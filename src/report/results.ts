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
  tests: { title: string; status: TestStatus; durationMs: number; error?: string }[];
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
    const base = {
      id: req.id,
      title: req.title.en,
      tests: tests.map((t) => ({ title: t.title, status: t.status, durationMs: t.durationMs, ...(t.error ? { error: t.error } : {}) })),
      evidence: tests.flatMap((t) => t.evidence),
    };
    const failed = tests.filter((t) => t.status === "failed");
    if (failed.length) return { ...base, status: "failed" as const, reason: firstLine(failed[0]!.error ?? "test failed") };
    if (req.check === "manual") return { ...base, status: "manual" as const, reason: req.manualReason?.en };
    if (tests.some((t) => t.status === "passed")) return { ...base, status: "passed" as const };
    const manual = tests.flatMap((t) => t.annotations.filter((a) => a.type === "manual"));
    if (manual.length) return { ...base, status: "manual" as const, reason: manual[0]!.description ?? "cannot be observed from outside" };
    if (tests.length) {
      const reasons = [...new Set(tests.flatMap((t) => t.annotations.filter((a) => a.type === "skip").map((a) => a.description ?? "")).filter(Boolean))];
      return { ...base, status: "skipped" as const, reason: reasons.join("; ") || "skipped" };
    }
    return { ...base, status: "skipped" as const, reason: missingReason };
  });
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
