import type { HomeserverTarget } from "../config/target.ts";
import { MatrixError, requestJson } from "./http.ts";
import { mapPool } from "./pool.ts";
import { dropSessions, readSessions } from "./run-admin.ts";

/**
 * Cleanup of one run on a server without the Synapse admin API (Dendrite, or a Synapse whose admin API is not
 * reachable from here): what the run's users can do themselves through the client API. Every user of the run
 * leaves and forgets its rooms and logs out all its devices, with the sessions recorded while the run created
 * them. What the client API cannot remove is reported, not hidden: the accounts (deactivating another user needs
 * an admin API), the rooms' stored history and the uploaded media.
 */
export interface ClientCleanupResult {
  server: string;
  users: number;
  roomsLeft: number;
  devicesLoggedOut: number;
  /** What could not be removed, one line each. */
  remaining: string[];
  errors: string[];
}

export async function cleanupWithoutAdminApi(hs: HomeserverTarget, runId: string): Promise<ClientCleanupResult> {
  const sessions = readSessions(runId).filter((s) => s.server === hs.serverName);
  const result: ClientCleanupResult = { server: hs.serverName, users: sessions.length, roomsLeft: 0, devicesLoggedOut: 0, remaining: [], errors: [] };
  if (!sessions.length) {
    result.remaining.push(`not removed: no session of run ${runId} is recorded for ${hs.serverName}: its users (mxa-${runId}-…) cannot be logged out without an admin API`);
    return result;
  }
  const rooms = new Set<string>();
  await mapPool(sessions, 4, async (s) => {
    try {
      const joined = (await requestJson<{ joined_rooms: string[] }>(hs.baseUrl, "GET", "_matrix/client/v3/joined_rooms", { token: s.accessToken })).body.joined_rooms;
      for (const roomId of joined) {
        const r = encodeURIComponent(roomId);
        await requestJson(hs.baseUrl, "POST", `_matrix/client/v3/rooms/${r}/leave`, { token: s.accessToken, body: { reason: `mxaccept cleanup of run ${runId}` } });
        await requestJson(hs.baseUrl, "POST", `_matrix/client/v3/rooms/${r}/forget`, { token: s.accessToken, body: {} }).catch(() => {});
        rooms.add(roomId);
        result.roomsLeft++;
      }
      await requestJson(hs.baseUrl, "POST", "_matrix/client/v3/logout/all", { token: s.accessToken, body: {} });
      result.devicesLoggedOut++;
    } catch (e) {
      // A token that is already invalid: the user was logged out before (an earlier cleanup), nothing to do.
      if (e instanceof MatrixError && e.status === 401) return;
      result.errors.push(`${s.userId}: ${(e as Error).message}`);
    }
  });
  result.remaining.push(
    `not removed: ${sessions.length} accounts stay registered (deactivating other users needs an admin API)`,
    `not removed: ${rooms.size} rooms keep their stored (encrypted) history on the server; no user of the run is in them any more`,
    "not removed: media the run uploaded stays in the media repository (deleting media needs an admin API)",
  );
  if (!result.errors.length) dropSessions(runId, hs.serverName);
  return result;
}
