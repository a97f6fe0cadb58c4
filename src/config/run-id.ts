import { randomBytes } from "node:crypto";

/**
 * Run ids tag everything a run creates: users are named mxa-<runId>-…, rooms carry the run id in their name.
 * Format: yyyymmdd-hhmmss-xxxx (UTC, 4 random hex) — sortable, and valid in Matrix localparts.
 */
export const TAG_PREFIX = "mxa-";

export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, "");
  return `${iso.slice(0, 8)}-${iso.slice(9, 15)}-${randomBytes(2).toString("hex")}`;
}

export function isRunId(id: string): boolean {
  return /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(id);
}

export function runTag(runId: string): string {
  return `${TAG_PREFIX}${runId}-`;
}

/** The run id inside a run-tagged localpart or user id, if any. */
export function runIdOf(userIdOrLocalpart: string): string | undefined {
  const local = userIdOrLocalpart.replace(/^@/, "").split(":")[0] ?? "";
  const m = /^mxa-(\d{8}-\d{6}-[0-9a-f]{4})-/.exec(local);
  return m?.[1];
}
