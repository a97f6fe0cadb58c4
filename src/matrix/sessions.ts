import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../config/paths.ts";

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
