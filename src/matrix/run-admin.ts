import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { HomeserverTarget } from "../config/target.ts";
import { deployment } from "../config/deployment.ts";
import { stateDir } from "../config/paths.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "./run-id.ts";
import { randomPassword } from "./users.ts";
import { adminApiRouted } from "./capabilities.ts";

/**
 * One admin per run. Where the target file has no admin token but the shared secret, `mxaccept run` registers
 * one run-tagged admin (mxa-<runId>-admin) before the scenarios start and hands its token to every worker through
 * the environment (never a file in the report); cleanup removes it with the run's other users. A worker that
 * restarts after a failure reuses it instead of making another.
 */
export const RUN_ADMIN_ENV = "MXACCEPT_RUN_ADMIN_TOKENS";
export type HsRole = "target" | "partner" | "outsider";

export async function createRunAdmin(hs: HomeserverTarget, runId: string, ledger: Ledger): Promise<string | undefined> {
  if (hs.adminToken) return hs.adminToken;
  if (!hs.registrationSharedSecret) return undefined;
  // No admin API to use it with (another server, or kept off this URL): no admin account to leave behind.
  if ((await adminApiRouted(hs)) === false) return undefined;
  const localpart = `${runTag(runId)}admin`;
  ledger.record({ kind: "user", id: `@${localpart}:${hs.serverName}`, server: hs.serverName });
  const reg = await deployment(hs).register({ username: localpart, password: randomPassword(), admin: true, displayname: `mxaccept run admin ${runId}` });
  recordSession(runId, { userId: reg.user_id, server: hs.serverName, accessToken: reg.access_token });
  return reg.access_token;
}

/** The run admins' tokens as the workers see them (set by `mxaccept run`). */
export function runAdminTokens(env: NodeJS.ProcessEnv = process.env): Partial<Record<HsRole, string>> {
  try {
    return env[RUN_ADMIN_ENV] ? (JSON.parse(env[RUN_ADMIN_ENV]!) as Partial<Record<HsRole, string>>) : {};
  } catch {
    return {};
  }
}

/**
 * The run's sessions (user, server, access token, the password the run chose), kept outside the report folder in
 * the state folder with mode 0600, for cleanup on a server without the Synapse admin API: there only the users
 * themselves can leave their rooms, log out and deactivate their accounts (user-interactive auth with the
 * password). Kept for the run only: deleted by that cleanup once it has used them; never written to a report.
 */
export interface Session {
  userId: string;
  server: string;
  accessToken: string;
  /** The password the run chose for the user (absent for the run admin, whose removal needs no password). */
  password?: string;
}

export function sessionsFile(runId: string): string {
  return join(stateDir(), "sessions", `${runId}.jsonl`);
}

export function recordSession(runId: string, s: Session): void {
  const f = sessionsFile(runId);
  mkdirSync(join(f, ".."), { recursive: true, mode: 0o700 });
  appendFileSync(f, `${JSON.stringify(s)}\n`, { mode: 0o600 });
}

export function readSessions(runId: string): Session[] {
  const f = sessionsFile(runId);
  if (!existsSync(f)) return [];
  return readFileSync(f, "utf8").split("\n").filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as Session];
    } catch {
      return [];
    }
  });
}

export function dropSessions(runId: string, server: string): void {
  const f = sessionsFile(runId);
  if (!existsSync(f)) return;
  const rest = readSessions(runId).filter((s) => s.server !== server);
  if (!rest.length) rmSync(f, { force: true });
  else for (const s of (rmSync(f), rest)) recordSession(runId, s);
}
