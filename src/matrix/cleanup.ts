import { adminUrl, type HomeserverTarget, type Target } from "../config/target.ts";
import { AdminClient } from "./admin.ts";
import { Ledger, type LedgerEntry } from "./ledger.ts";
import { runIdOf, runTag, TAG_PREFIX } from "./run-id.ts";
import { mapPool } from "./pool.ts";
import { cleanupWithoutAdminApi } from "./cleanup-client.ts";
import { synapseAdminAnswers } from "./capabilities.ts";
import { readSessions, dropSessions } from "./run-admin.ts";

/**
 * Removes what runs created: rooms created by run-tagged users are deleted and purged, their media deleted,
 * the users deactivated and erased. Works from the server's own view (users named mxa-<runId>-…) plus the run's
 * ledger, so it also cleans up after a run that crashed before it could record everything.
 */
export interface CleanupResult {
  server: string;
  users: number;
  rooms: number;
  media: number;
  errors: string[];
  /** What could not be removed (a server without the Synapse admin API), one line each. */
  remaining?: string[];
}

function homeservers(target: Target): HomeserverTarget[] {
  return [target, target.partner, target.outsider].filter((h): h is HomeserverTarget => !!h);
}

async function cleanupServer(hs: HomeserverTarget, selectRun: (runId: string) => boolean, ledger: LedgerEntry[]): Promise<CleanupResult> {
  const result: CleanupResult = { server: hs.serverName, users: 0, rooms: 0, media: 0, errors: [] };
  if (!hs.adminToken) {
    result.errors.push(`no admin token for ${hs.serverName}: cannot clean it up`);
    return result;
  }
  const admin = new AdminClient(adminUrl(hs), hs.adminToken);
  const listed = await admin.listUsers({ name: TAG_PREFIX });
  const userIds = new Set(listed.map((u) => u.name).filter((id) => {
    const run = runIdOf(id);
    return run !== undefined && selectRun(run) && id.endsWith(`:${hs.serverName}`);
  }));
  for (const e of ledger) if (e.kind === "user" && e.server === hs.serverName) userIds.add(e.id);
  const rooms = new Set(ledger.filter((e) => e.kind === "room" && e.server === hs.serverName).map((e) => e.id));
  for (const userId of userIds) {
    try {
      for (const r of await admin.joinedRooms(userId)) rooms.add(r);
    } catch (e) {
      if (!String((e as Error).message).includes("404")) result.errors.push(`rooms of ${userId}: ${(e as Error).message}`);
    }
  }
  for (const roomId of rooms) {
    try {
      const details = await admin.room(roomId);
      if (!details) continue;
      // Only rooms the harness made: created by a run-tagged user of a selected run.
      const creatorRun = details.creator ? runIdOf(details.creator) : undefined;
      if (!creatorRun || !selectRun(creatorRun)) continue;
      // Deleting a room kicks every local member first, one membership event each: large rooms need longer.
      await admin.deleteRoom(roomId, Math.max(120_000, (details.joined_members ?? 0) * 500));
      result.rooms++;
    } catch (e) {
      result.errors.push(`room ${roomId}: ${(e as Error).message}`);
    }
  }
  // Users in parallel (a few at a time): large runs (group-size checks) leave a thousand and more. The admin whose
  // token does the work (the run admin, when the run made one) goes last.
  const self = await admin.whoami().then((w) => w.userId, () => undefined);
  const removeUser = async (userId: string) => {
    try {
      const user = await admin.getUser(userId);
      if (!user) return;
      result.media += await admin.deleteUserMedia(userId);
      if (!user.deactivated) {
        await admin.deactivate(userId, true);
        result.users++;
      }
    } catch (e) {
      result.errors.push(`user ${userId}: ${(e as Error).message}`);
    }
  };
  await mapPool([...userIds].filter((u) => u !== self), 4, removeUser);
  if (self && userIds.has(self)) await removeUser(self);
  return result;
}

/**
 * The admin token for cleaning up `runId` on `hs`: the target's own, else the run admin's (recorded in the run's
 * sessions when the run made one with the shared secret). Undefined: no admin to clean up with.
 */
function cleanupToken(hs: HomeserverTarget, runId?: string): string | undefined {
  if (hs.adminToken) return hs.adminToken;
  if (!runId) return undefined;
  return readSessions(runId).find((s) => s.server === hs.serverName && s.userId === `@${runTag(runId)}admin:${hs.serverName}`)?.accessToken;
}

/** Routes one server's cleanup: the Synapse admin API where it answers, else what the run's users can do themselves. */
async function cleanupServerOfRun(hs: HomeserverTarget, runId: string, ledger: LedgerEntry[]): Promise<CleanupResult> {
  const token = cleanupToken(hs, runId);
  if (!token || (await synapseAdminAnswers(hs, token)) === false) {
    const r = await cleanupWithoutAdminApi(hs, runId);
    return { server: r.server, users: 0, rooms: 0, media: 0, errors: r.errors, remaining: [`no Synapse admin API: ${r.devicesLoggedOut} of ${r.users} users of the run logged out of all devices, ${r.roomsLeft} room memberships left`, ...r.remaining] };
  }
  const result = await cleanupServer({ ...hs, adminToken: token }, (r) => r === runId, ledger);
  if (!result.errors.length) dropSessions(runId, hs.serverName);
  return result;
}

/** Cleans up one run on every homeserver of the target. */
export async function cleanupRun(target: Target, runId: string, ledgerFile?: string): Promise<CleanupResult[]> {
  const ledger = ledgerFile ? Ledger.read(ledgerFile) : [];
  const results: CleanupResult[] = [];
  for (const hs of homeservers(target)) results.push(await cleanupServerOfRun(hs, runId, ledger));
  return results;
}

/**
 * Run ids of runs that are still alive on a server: one of their users had a device seen within `windowMs`
 * (a month-long availability canary is old but not stale).
 */
async function activeRuns(hs: HomeserverTarget, candidate: (runId: string) => boolean, windowMs: number, now: number): Promise<Set<string>> {
  const active = new Set<string>();
  if (!hs.adminToken) return active;
  const admin = new AdminClient(adminUrl(hs), hs.adminToken);
  const users = (await admin.listUsers({ name: TAG_PREFIX })).map((u) => u.name).filter((id) => {
    const run = runIdOf(id);
    return run !== undefined && candidate(run) && id.endsWith(`:${hs.serverName}`);
  });
  await mapPool(users, 4, async (userId) => {
    const run = runIdOf(userId)!;
    if (active.has(run)) return;
    if (now - (await admin.lastSeen(userId)) < windowMs) active.add(run);
  });
  return active;
}

/**
 * Cleans up every run-tagged leftover older than `olderThanMs` (run ids carry their start time), except runs
 * whose users were active within that time on any server (a running canary); those are returned as `spared`.
 */
export async function cleanupStale(target: Target, olderThanMs: number, now = Date.now()): Promise<{ results: CleanupResult[]; spared: string[] }> {
  const isOld = (runId: string) => {
    const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(runId);
    if (!m) return false;
    const started = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    return now - started >= olderThanMs;
  };
  const spared = new Set<string>();
  // Finding stale runs means listing the server's users: only the Synapse admin API can. Elsewhere one line says so.
  const servers = await Promise.all(homeservers(target).map(async (hs) => ({ hs, listable: !!hs.adminToken && (await synapseAdminAnswers(hs, hs.adminToken)) === true })));
  for (const { hs, listable } of servers) if (listable) for (const r of await activeRuns(hs, isOld, olderThanMs, now)) spared.add(r);
  const results: CleanupResult[] = [];
  for (const { hs, listable } of servers) {
    if (!listable) {
      results.push({ server: hs.serverName, users: 0, rooms: 0, media: 0, errors: [], remaining: [`not removed: stale runs on ${hs.serverName} cannot be found: that needs the Synapse admin API and an admin token for it; remove a known run with 'mxaccept cleanup --run ID' (it uses the run's recorded sessions)`] });
      continue;
    }
    results.push(await cleanupServer(hs, (r) => isOld(r) && !spared.has(r), []));
  }
  return { results, spared: [...spared] };
}

export { runTag };
