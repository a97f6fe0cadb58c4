import { requestJson } from "./http.ts";
import { mapPool } from "./pool.ts";
import { dropSessions, readSessions, type Session } from "./sessions.ts";

/**
 * Cleanup of one run on a server without the Synapse admin API (Dendrite, or a Synapse whose admin API is not
 * reachable from here): what the run's users can do themselves through the client API, with the sessions and
 * passwords the run kept for it (state folder, 0600, never the report). Every user of the run leaves and forgets
 * its rooms and deactivates its own account (`POST /account/deactivate`, user-interactive auth with the password
 * the run chose; that also logs out every device); a user whose password was not kept is logged out of all its
 * devices. What the client API cannot remove is reported, not hidden: the rooms' stored history and the uploaded
 * media, and any account that could not be deactivated.
 */
export interface ClientCleanupResult {
  server: string;
  users: number;
  roomsLeft: number;
  /** Users logged out of all devices (deactivation logs out too). */
  devicesLoggedOut: number;
  /** Accounts deactivated through the client API. */
  deactivated: number;
  /** What could not be removed, one line each. */
  remaining: string[];
  errors: string[];
}

type Outcome = "deactivated" | "logged out" | "gone" | "failed";

/**
 * Deactivates the user's own account with user-interactive auth (m.login.password): the first request opens the
 * auth session (401 with `session`), the second answers it with the password. Returns the status of the last step.
 */
export async function deactivateOwnAccount(baseUrl: string, token: string, userId: string, password: string): Promise<{ status: number; errcode?: string; error?: string }> {
  const path = "_matrix/client/v3/account/deactivate";
  const first = await requestJson<{ session?: string; errcode?: string; error?: string }>(baseUrl, "POST", path, { token, body: { erase: true }, accept: [401, 403] });
  if (first.status !== 401) return { status: first.status, errcode: first.body.errcode, error: first.body.error };
  const auth = { type: "m.login.password", identifier: { type: "m.id.user", user: userId }, user: userId, password, ...(first.body.session ? { session: first.body.session } : {}) };
  const second = await requestJson<{ errcode?: string; error?: string }>(baseUrl, "POST", path, { token, body: { erase: true, auth }, accept: [400, 401, 403] });
  return { status: second.status, errcode: second.body.errcode, error: second.body.error };
}

/** A fresh token for a user whose recorded one is no longer valid (an earlier cleanup logged it out). */
async function freshToken(baseUrl: string, s: Session): Promise<string | undefined> {
  if (!s.password) return undefined;
  const res = await requestJson<{ access_token?: string }>(baseUrl, "POST", "_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: s.userId }, password: s.password, initial_device_display_name: "mxaccept cleanup" },
    accept: [400, 401, 403],
  });
  return res.status === 200 ? res.body.access_token : undefined;
}

export async function cleanupWithoutAdminApi(hs: { serverName: string; clientUrl: string }, runId: string): Promise<ClientCleanupResult> {
  const sessions = readSessions(runId).filter((s) => s.server === hs.serverName);
  const result: ClientCleanupResult = { server: hs.serverName, users: sessions.length, roomsLeft: 0, devicesLoggedOut: 0, deactivated: 0, remaining: [], errors: [] };
  if (!sessions.length) {
    result.remaining.push(`not removed: no session of run ${runId} is recorded for ${hs.serverName}: its users (mxa-${runId}-…) cannot be logged out or deactivated without an admin API`);
    return result;
  }
  const rooms = new Set<string>();
  const notDeactivated: string[] = [];
  await mapPool(sessions, 4, async (s) => {
    const outcome = await cleanUpUser(hs, runId, s, rooms, result).catch((e: Error) => {
      result.errors.push(`${s.userId}: ${e.message}`);
      return "failed" as Outcome;
    });
    if (outcome === "deactivated") result.deactivated++;
    if (outcome === "deactivated" || outcome === "logged out") result.devicesLoggedOut++;
    if (outcome === "logged out" || outcome === "failed") notDeactivated.push(s.userId);
  });
  if (notDeactivated.length) result.remaining.push(`not removed: ${notDeactivated.length} account(s) stay active (no kept password, or the server refused the deactivation), e.g. ${notDeactivated[0]}`);
  result.remaining.push(
    `not removed: ${rooms.size} rooms keep their stored (encrypted) history on the server; no user of the run is in them any more`,
    "not removed: media the run uploaded stays in the media repository (deleting media needs an admin API)",
  );
  if (!result.errors.length) dropSessions(runId, hs.serverName);
  return result;
}

async function cleanUpUser(hs: { serverName: string; clientUrl: string }, runId: string, s: Session, rooms: Set<string>, result: ClientCleanupResult): Promise<Outcome> {
  let token = s.accessToken;
  let joinedRes = await requestJson<{ joined_rooms: string[] }>(hs.clientUrl, "GET", "_matrix/client/v3/joined_rooms", { token, accept: [401] });
  if (joinedRes.status === 401) {
    // The recorded token is no longer valid (an earlier cleanup logged the user out): log in again with the kept
    // password; without one, or when the login is refused (already deactivated), there is nothing left to do.
    const fresh = await freshToken(hs.clientUrl, s);
    if (!fresh) return "gone";
    token = fresh;
    joinedRes = await requestJson<{ joined_rooms: string[] }>(hs.clientUrl, "GET", "_matrix/client/v3/joined_rooms", { token });
  }
  for (const roomId of joinedRes.body.joined_rooms) {
    const r = encodeURIComponent(roomId);
    await requestJson(hs.clientUrl, "POST", `_matrix/client/v3/rooms/${r}/leave`, { token, body: { reason: `mxaccept cleanup of run ${runId}` } });
    await requestJson(hs.clientUrl, "POST", `_matrix/client/v3/rooms/${r}/forget`, { token, body: {}, accept: [400, 403, 404] });
    rooms.add(roomId);
    result.roomsLeft++;
  }
  if (s.password) {
    const d = await deactivateOwnAccount(hs.clientUrl, token, s.userId, s.password);
    if (d.status === 200) return "deactivated";
    result.errors.push(`${s.userId}: deactivation through the client API answered ${d.status}${d.errcode ? ` ${d.errcode}` : ""}${d.error ? `: ${d.error}` : ""}; the account stays active`);
  }
  await requestJson(hs.clientUrl, "POST", "_matrix/client/v3/logout/all", { token, body: {} });
  return "logged out";
}
