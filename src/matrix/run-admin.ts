import type { HomeserverTarget } from "../config/target.ts";
import { deployment } from "./deployment.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "../config/run-id.ts";
import { randomPassword } from "./users.ts";
import { adminApiRouted } from "./capabilities.ts";
import { recordSession } from "./sessions.ts";

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
