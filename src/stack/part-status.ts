import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scaled, tryWaitFor } from "../matrix/timeouts.ts";

/**
 * Parts of the embedded reference instance that start in the background (`mxaccept run` without a running
 * instance: the content scanner and Keycloak install and start while the checks that need only the homeservers
 * run). Their state is in `parts-ready.json` beside the target file, which the fixtures read: a suite that needs a
 * part waits for it (with a deadline) and fails with the part's one-line reason when it did not start.
 */

export type PartStatus = { status: "pending" } | { status: "ready" } | { status: "failed"; reason: string };
export type PartStatuses = Record<string, PartStatus>;

/** The suites that need a part of the reference instance (run adds the part for them: --with scanner, keycloak). */
export const PART_SUITES: Record<string, string[]> = { scanner: ["virus"], keycloak: ["identity", "portals"] };

/** Spec files (under scenarios/) of other suites that need every part: the transport checks probe every endpoint the target names. */
export const EVERY_PART_FILES = ["security/transport.spec.ts"];

/** What a part is, for a reason line. */
export const PART_NAMES: Record<string, string> = { scanner: "the content scanner", keycloak: "Keycloak (the IdP)" };

export function partStatusFile(stateDir: string): string {
  return join(stateDir, "parts-ready.json");
}

export function writePartStatus(stateDir: string, statuses: PartStatuses): void {
  const file = partStatusFile(stateDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(statuses, null, 2));
  renameSync(`${file}.tmp`, file);
}

export function readPartStatus(stateDir: string): PartStatuses | undefined {
  const file = partStatusFile(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PartStatuses;
  } catch {
    return undefined; // being replaced: read again
  }
}

export function clearPartStatus(stateDir: string): void {
  rmSync(partStatusFile(stateDir), { force: true });
}

/** The parts a suite needs. */
export function partsOfSuite(suite: string): string[] {
  return Object.entries(PART_SUITES).filter(([, suites]) => suites.includes(suite)).map(([part]) => part);
}

/** The parts the checks of a spec file need (its path under scenarios/, "security/transport.spec.ts"). */
export function partsOfFile(file: string): string[] {
  const f = file.replace(/\\/g, "/");
  if (EVERY_PART_FILES.includes(f)) return Object.keys(PART_SUITES);
  return partsOfSuite(f.split("/")[0] ?? "");
}

/**
 * Waits until none of `parts` is pending (a part without a status, or without a status file, counts as ready:
 * started in the foreground, or not the embedded instance); returns why each failed one failed.
 */
export async function waitForParts(stateDir: string, parts: string[], timeoutMs: number): Promise<Record<string, string>> {
  const settled = (all: PartStatuses | undefined) => all && !parts.some((p) => all[p]?.status === "pending");
  const ready = await tryWaitFor(`${parts.map((p) => PART_NAMES[p] ?? p).join(" and ")} to start`, async (progress) => {
    const all = existsSync(partStatusFile(stateDir)) ? readPartStatus(stateDir) : {};
    progress.note(`pending: ${parts.filter((p) => all?.[p]?.status === "pending").join(", ") || "none"}`);
    return settled(all) ? all : undefined;
  }, { timeoutMs, intervalMs: 250 });
  if (!ready) {
    const all = readPartStatus(stateDir) ?? {};
    const shown = scaled(timeoutMs);
    return Object.fromEntries(parts.filter((p) => all[p]?.status === "pending").map((p) => [p, `${PART_NAMES[p] ?? p} was not ready within ${shown >= 60_000 ? `${Math.round(shown / 60_000)} min` : `${Math.round(shown / 1000)} s`} of the checks' start: see the run's output for its progress`]));
  }
  return Object.fromEntries(parts.flatMap((p) => {
    const st = ready![p];
    return st?.status === "failed" ? [[p, st.reason]] : [];
  }));
}
