import type { RequirementResult } from "./results.ts";

/**
 * "How proven" for the acceptance record, from a requirement's status and evidence.
 *
 * Convention for scenarios: a piece of evidence (`evidence(testInfo, {...})` in fixtures/index.ts) may carry
 * `proof: "live" | "audit"`:
 *   - `live`  the harness made the instance do the thing and observed the outcome (the default for executed tests);
 *   - `audit` a read-only inspection of what the instance stores or reports (e.g. retention against a target).
 * The older field `mode: "live" | "audit"` (retention evidence) is read the same way. A requirement the profile
 * marks `check: manual`, or whose tests declared it unobservable (annotation "manual"), is `manual`. A requirement
 * no test executed has no proof (`none`).
 */

export type Proof = "live" | "audit" | "manual" | "none";

function declared(e: unknown): Proof | undefined {
  if (!e || typeof e !== "object") return undefined;
  const o = e as Record<string, unknown>;
  const v = o.proof ?? o.mode;
  return v === "live" || v === "audit" ? v : undefined;
}

/** The kinds of proof behind a requirement, in a fixed order (live before audit); one element in most cases. */
export function proofOf(req: Pick<RequirementResult, "status" | "tests" | "evidence">): Proof[] {
  if (req.status === "manual") return ["manual"];
  const executed = req.tests.some((t) => t.status === "passed" || t.status === "failed");
  if (!executed) return ["none"];
  const kinds = new Set(req.evidence.map(declared).filter((p): p is Proof => !!p));
  if (kinds.size === 0) return ["live"];
  return (["live", "audit"] as const).filter((k) => kinds.has(k));
}
