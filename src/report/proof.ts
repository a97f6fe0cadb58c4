import type { CheckProof, RequirementResult } from "./results.ts";

/**
 * "How proven" for the acceptance record, from a requirement's status and its checks.
 *
 * Each check carries its own proof kind (src/report/results.ts `checkOf`): the strongest kind its evidence names
 * (`evidence(testInfo, { proof: … })` in fixtures/index.ts, or the older `mode` of retention evidence), `live`
 * for an executed check that names none, `manual` for a check that declared itself unobservable, `none` for a
 * check that did not run or skipped itself. A requirement's proof is the kinds of its executed checks (passed,
 * failed or inconclusive), strongest first; `manual` for a manual requirement; `none` when no check executed.
 */

export type Proof = CheckProof;

const ORDER: Proof[] = ["live", "audit", "config", "measurement", "calculation", "manual"];

export function proofOf(req: Pick<RequirementResult, "status" | "tests">): Proof[] {
  if (req.status === "manual") return ["manual"];
  const kinds = new Set(req.tests.filter((t) => t.status === "passed" || t.status === "failed" || t.status === "inconclusive").map((t) => t.proof));
  const out = ORDER.filter((k) => kinds.has(k));
  return out.length ? out : ["none"];
}
