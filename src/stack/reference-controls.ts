import { dirname } from "node:path";
import type { Target } from "../config/target.ts";
import { referenceDb, type ReferenceDb } from "./reference-db.ts";
import { setCrossTenant } from "./reconfigure.ts";

/**
 * Stack control that only the embedded reference instance offers: the tenant admin's cross-tenant switch (rewrite
 * hs1's and hs2's allowlists and restart both) and direct database access (backdating). Checks reach it through
 * the `reference` fixture, which is undefined on any other target, so a check that needs it says so in one line;
 * no check reads files beside the target file itself.
 */
export interface ReferenceControls {
  /** Cross-tenant communication between the tenants (hs1, hs2) on or off; returns when both answer again. */
  setCrossTenant(mode: "off" | "on"): Promise<{ restartMs: number }>;
  /** The database of the target's homeserver (`"instance"`, hs1) or of the partner's (hs2). */
  db(role: "instance" | "partner"): ReferenceDb;
}

/** The reference's controls for a target, or undefined when the target is not the embedded reference instance. */
export function referenceControls(target: Target): ReferenceControls | undefined {
  if (!target.embedded) return undefined;
  const stateDir = dirname(target.source);
  return {
    setCrossTenant: (mode) => setCrossTenant(stateDir, mode),
    db: (role) => {
      const hs = role === "instance" ? target : target.partner;
      if (!hs) throw new Error("the reference instance was started without its partner (hs2): start it with 'mxaccept stack up'");
      return referenceDb(target, hs);
    },
  };
}
