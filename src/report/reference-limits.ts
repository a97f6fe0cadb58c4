import type { Target } from "../config/target.ts";
import type { RequirementResult, Results } from "./results.ts";

/**
 * What the embedded reference instance cannot conform to, said at the end of a run on it: a newcomer's first
 * `mxaccept run` ends "NOT ACCEPTED", and these lines say that this is the reference's doing, not the harness's,
 * and which option or target key lifts each. Only for a run on the embedded reference (target.embedded), and only
 * for requirements that ended incomplete, skipped or failed for exactly that reason (a check's reason names it).
 */

interface Limit {
  /** A check's reason that shows this limit (its skip, inconclusive or failure reason). */
  reason: RegExp;
  /** Whether the limit applies to this target (e.g. no admin URL named). */
  applies: (t: Pick<Target, "adminBaseUrl" | "appPortalUrl" | "webClientUrl" | "mas" | "adminToken">) => boolean;
  /** What the reference lacks, and what lifts it. */
  says: string;
}

const LIMITS: Limit[] = [
  {
    reason: /the admin API answers on the client URL/,
    applies: (t) => !t.adminBaseUrl,
    says: "the simple topology serves the admin API on the client URL; lifted by --topology production (admin API on an internal URL)",
  },
  {
    reason: /MXACCEPT_APP_PORTAL_URL/,
    applies: (t) => !t.appPortalUrl,
    says: "no application management portal configured; lifted by MXACCEPT_APP_PORTAL_URL (and MXACCEPT_APP_PORTAL_KIND) in the target file",
  },
  {
    reason: /MXACCEPT_WEB_CLIENT_URL/,
    applies: (t) => !t.webClientUrl,
    says: "no web client; lifted by MXACCEPT_WEB_CLIENT_URL in the target file",
  },
  {
    reason: /target file names no MXACCEPT_ADMIN_TOKEN \(the initial admin's access token\)/,
    applies: (t) => !!t.mas && !t.adminToken,
    says: "with --with mas the reference hands over no initial admin's token (its admins are MAS users); lifted by MXACCEPT_ADMIN_TOKEN in the target file: a personal session of a MAS user allowed the admin scope (urn:matrix:client:api:* urn:synapse:admin:*)",
  },
  {
    reason: /access token of their earlier SSO login is still accepted/,
    applies: () => true,
    says: "the reference's Keycloak tells Synapse nothing of a user deleted in the IdP, so the old access token lives on; no key lifts it on the reference (an instance whose provider deactivates the Matrix account passes)",
  },
];

function openFor(r: RequirementResult, limit: Limit): boolean {
  return r.tests.some((t) => t.status !== "passed" && !!t.reason && limit.reason.test(t.reason));
}

/** The lines to print before the verdict line: empty unless the target is the embedded reference and a limit applies. */
export function referenceLimitLines(results: Pick<Results, "requirements">, target: Pick<Target, "embedded" | "adminBaseUrl" | "appPortalUrl" | "webClientUrl" | "mas" | "adminToken">): string[] {
  if (!target.embedded) return [];
  const lines: string[] = [];
  for (const limit of LIMITS) {
    if (!limit.applies(target)) continue;
    const hit = results.requirements.filter((r) => (r.status === "incomplete" || r.status === "skipped" || r.status === "failed") && openFor(r, limit));
    if (hit.length) lines.push(`  ${hit.map((r) => `${r.id} ${r.status}`).join(", ")}: ${limit.says}`);
  }
  if (!lines.length) return [];
  return ["limits of the embedded reference instance, not of the harness (a key goes into a target file: 'mxaccept stack up', copy .mxaccept/target.env, add the key, 'mxaccept run --target' the copy):", ...lines];
}
