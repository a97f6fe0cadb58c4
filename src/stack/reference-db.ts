import { DatabaseSync } from "node:sqlite";
import { dirname, join } from "node:path";
import type { HomeserverTarget, Target } from "../config/target.ts";
import { readState } from "./state.ts";

/**
 * Direct access to the SQLite database of a homeserver of the embedded reference instance — only for what no
 * API can do, such as making media old without waiting a year (backdating). Never used against a real target.
 */
export function referenceDbPath(target: Target, hs: HomeserverTarget): string {
  if (!target.embedded) throw new Error("database access is only for the embedded reference instance");
  const state = readState(dirname(target.source));
  const server = state?.servers.find((s) => s.baseUrl === hs.baseUrl);
  if (!server) throw new Error(`no running reference instance records ${hs.baseUrl} next to ${target.source}`);
  return join(server.dir, "homeserver.db");
}

/** Runs `fn` on the database with a busy timeout (Synapse holds it open too). */
export function withDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
