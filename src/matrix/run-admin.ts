import type { Server, Role } from "./deployment.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "../config/run-id.ts";
import { adminApiRouted } from "./capabilities.ts";
import { recordSession } from "./sessions.ts";
import { nameToken } from "./client-log.ts";

/**
 * One admin per run and server. Where the target file names no admin token, `mxaccept run` has the server's user
 * source make one run-tagged admin (mxa-<runId>-admin) before the scenarios start and hands its token to every
 * worker through the environment (never a file in the report); cleanup removes it with the run's other users. A
 * worker that restarts after a failure reuses it instead of making another. The availability canary and a Playwright
 * run started without `mxaccept run` make theirs the same way, under a name of their own (`suffix`).
 */
export const RUN_ADMIN_ENV = "MXACCEPT_RUN_ADMIN_TOKENS";

/**
 * The token of the run's admin on `server`: the target file's, else a run-tagged admin the server's user source
 * makes (recorded in the ledger first, its session kept for cleanup); undefined where none can be made.
 */
export async function ensureRunAdmin(server: Server, runId: string, ledger: Ledger, suffix = "admin"): Promise<string | undefined> {
  if (server.adminTokenFromTarget) {
    nameToken(server.adminToken!, `the target file's admin (${server.role})`);
    return server.adminToken;
  }
  if (server.users.cannotMakeAdmin?.()) return undefined;
  // No admin API to use it with (another server, or kept off this URL): no admin account to leave behind.
  if ((await adminApiRouted(server)) === false) return undefined;
  const localpart = `${runTag(runId)}${suffix}`;
  const userId = `@${localpart}:${server.serverName}`;
  ledger.record({ kind: "user", id: userId, server: server.serverName });
  const s = await server.users.makeAdmin(localpart, `mxaccept run admin ${runId}`);
  if (!s) return undefined;
  nameToken(s.accessToken, `the run's admin (${server.role})`);
  recordSession(runId, { userId: s.userId, server: server.serverName, accessToken: s.accessToken });
  return s.accessToken;
}

/** The run admins' tokens as the workers see them (set by `mxaccept run`). */
export function runAdminTokens(env: NodeJS.ProcessEnv = process.env): Partial<Record<Role, string>> {
  try {
    return env[RUN_ADMIN_ENV] ? (JSON.parse(env[RUN_ADMIN_ENV]!) as Partial<Record<Role, string>>) : {};
  } catch {
    return {};
  }
}
