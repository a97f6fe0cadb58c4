import { UserError } from "../config/errors.ts";
import type { Deployment, Server } from "./deployment.ts";
import { MatrixError } from "./http.ts";
import type { AdminClient } from "./admin.ts";
import { Ledger, type LedgerEntry } from "./ledger.ts";
import { newRunId, runIdOf, runTag, TAG_PREFIX } from "../config/run-id.ts";
import { mapPool } from "./pool.ts";
import { waitFor } from "./timeouts.ts";
import { cleanupWithoutAdminApi } from "./cleanup-client.ts";
import { adminApiRouted, synapseAdminAnswers } from "./capabilities.ts";
import { readSessions, dropSessions } from "./sessions.ts";

/**
 * Removes what runs created, on every server of the target where the harness has admin rights:
 * - every room of the run that a server holds a copy of is deleted and purged there, also the partner's copy of a
 *   federated room (Synapse records no creator for a room it first saw through a federated invite): a room is the
 *   run's when the ledger names it, a run-tagged user created it, or its name carries the run's tag;
 * - a room that also has members from outside the run is never deleted: the run's users leave it (deactivation);
 * - the run's users are deactivated and erased, their local media deleted;
 * - cached copies of the run's media on the other servers are deleted (Synapse deletes cached remote media only
 *   by age, `purge_media_cache`, so this purges the cache up to the newest access of a run file; done where the
 *   target allows disruption: the embedded instance or MXACCEPT_DESTRUCTIVE=allow, else reported as remaining).
 * Works from the servers' own view (run-tagged users, rooms named with the run's tag) plus the run's ledger, so it
 * also cleans up after a run that crashed before it could record everything.
 */
export interface CleanupResult {
  server: string;
  users: number;
  /** Rooms deleted and purged on this server. */
  rooms: number;
  /** Local media deleted on this server. */
  media: number;
  /** Cached copies of other servers' run media deleted on this server. */
  remoteMedia: number;
  /** Rooms of the run kept because members from outside the run are in them (the run's users left). */
  roomsLeft: number;
  /** What stays on this server, and why. */
  remaining: string[];
  errors: string[];
}

interface ServerPlan {
  d: Server;
  admin: AdminClient;
  result: CleanupResult;
  users: Set<string>;
  rooms: Set<string>;
  /** mxc URIs of this server's local media uploaded by the run (collected before deletion). */
  localMxc: Set<string>;
  /** mxc URIs of other servers' media seen in the run's rooms here. */
  remoteMxc: Set<string>;
  /** Rooms of the run kept for their outside members: the run's local users must have left them in the end. */
  kept: Map<string, string[]>;
}

const mxcParts = (mxc: string) => {
  const m = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxc);
  return m ? { origin: m[1]!, id: m[2]! } : undefined;
};

function emptyResult(server: string): CleanupResult {
  return { server, users: 0, rooms: 0, media: 0, remoteMedia: 0, roomsLeft: 0, remaining: [], errors: [] };
}

/** Step 1 on one server: the run's users (listed and from the ledger) and the rooms where the run shows. */
async function survey(plan: ServerPlan, selectRun: (runId: string) => boolean, ledger: LedgerEntry[], searchTerms: string[]): Promise<void> {
  const { d, admin, result } = plan;
  const listed = await admin.listUsers({ name: TAG_PREFIX });
  for (const u of listed) {
    const run = runIdOf(u.name);
    if (run !== undefined && selectRun(run) && u.name.endsWith(`:${d.serverName}`)) plan.users.add(u.name);
  }
  for (const e of ledger) if (e.kind === "user" && e.server === d.serverName) plan.users.add(e.id);
  // Room ids are global: a room of the ledger may have a copy on any server (a federated room on the partner).
  for (const e of ledger) if (e.kind === "room") plan.rooms.add(e.id);
  for (const e of ledger) if (e.kind === "media" && mxcParts(e.id)?.origin === d.serverName) plan.localMxc.add(e.id);
  for (const term of searchTerms) {
    for (const r of await admin.searchRooms(term)) {
      const run = r.name ? runIdOf(r.name) : undefined;
      if (run && selectRun(run)) plan.rooms.add(r.room_id);
    }
  }
  await mapPool([...plan.users], 4, async (userId) => {
    try {
      for (const r of await admin.joinedRooms(userId)) plan.rooms.add(r);
      for (const id of await admin.userMediaIds(userId)) plan.localMxc.add(`mxc://${d.serverName}/${id}`);
    } catch (e) {
      if (!(e instanceof MatrixError && e.status === 404)) result.errors.push(`rooms and media of ${userId}: ${(e as Error).message}`);
    }
  });
}

/** Step 2: delete the run's rooms this server holds (or leave those with outside members). */
async function deleteRooms(plan: ServerPlan, selectRun: (runId: string) => boolean, ledgerRooms: Set<string>): Promise<void> {
  const { admin, result } = plan;
  const isRunUser = (id: string) => {
    const run = runIdOf(id);
    return run !== undefined && selectRun(run);
  };
  for (const roomId of plan.rooms) {
    try {
      const details = await admin.room(roomId);
      if (!details) continue;
      const nameRun = details.name ? runIdOf(details.name) : undefined;
      const ours = ledgerRooms.has(roomId) || (!!details.creator && isRunUser(details.creator)) || (!!nameRun && selectRun(nameRun));
      if (!ours) continue; // someone else's room a run user joined: the user leaves it when deactivated
      const members = await admin.roomMembers(roomId);
      const outside = members.filter((m) => !isRunUser(m));
      const media = await admin.roomMedia(roomId);
      for (const mxc of media.remote) plan.remoteMxc.add(mxc);
      if (outside.length > 0) {
        result.roomsLeft++;
        plan.kept.set(roomId, outside);
        continue;
      }
      // Deleting a room kicks every local member first, one membership event each: large rooms need longer.
      await admin.deleteRoom(roomId, Math.max(120_000, (details.joined_members ?? 0) * 500));
      result.rooms++;
    } catch (e) {
      result.errors.push(`room ${roomId}: ${(e as Error).message}`);
    }
  }
}

/** Step 3: local media of the run's users, then the users themselves (deactivated and erased: they leave every room). */
async function removeUsers(plan: ServerPlan): Promise<void> {
  const { admin, result } = plan;
  // Media the ledger names but whose uploader is not (or no longer) a listed user.
  for (const mxc of plan.localMxc) {
    const p = mxcParts(mxc)!;
    const res = await admin.request<{ total: number }>("DELETE", `_synapse/admin/v1/media/${encodeURIComponent(p.origin)}/${encodeURIComponent(p.id)}`, { accept: [404] }).catch((e: Error) => {
      result.errors.push(`media ${mxc}: ${e.message}`);
      return undefined;
    });
    if (res?.status === 200) result.media += res.body.total;
  }
  // Users in parallel (a few at a time): large runs (group-size checks) leave a thousand and more. The admin whose
  // token does the work (the run admin, when the run made one) goes last.
  const self = await admin.whoami().then((w) => w.userId, () => undefined);
  const removeUser = async (userId: string) => {
    try {
      const user = await admin.getUser(userId);
      if (!user) return;
      result.media += await admin.deleteUserMedia(userId);
      // Where the accounts live outside the homeserver (MAS), the user source removes them there.
      if (plan.d.users.remove) {
        if (await plan.d.users.remove(userId)) result.users++;
      } else if (!user.deactivated) {
        await admin.deactivate(userId, true);
        result.users++;
      }
    } catch (e) {
      result.errors.push(`user ${userId}: ${(e as Error).message}`);
    }
  };
  await mapPool([...plan.users].filter((u) => u !== self), 4, removeUser);
  if (self && plan.users.has(self)) await removeUser(self);
}

/**
 * Step 3b: deactivation parts the run's users from their rooms in the background: wait until none of the run's
 * local users is a member of a room kept for its outside members.
 */
async function awaitLeft(plan: ServerPlan, selectRun: (runId: string) => boolean): Promise<void> {
  const { d, admin, result } = plan;
  for (const [roomId, outside] of plan.kept) {
    const ours = async () => (await admin.roomMembers(roomId)).filter((m) => m.endsWith(`:${d.serverName}`) && runIdOf(m) !== undefined && selectRun(runIdOf(m)!));
    try {
      await waitFor(`the run's users to leave ${roomId}`, async () => ((await ours()).length === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
      result.remaining.push(`room ${roomId}: kept, ${outside.length} member(s) from outside the run (e.g. ${outside[0]}); the run's users left it`);
    } catch {
      result.remaining.push(`room ${roomId}: kept, ${outside.length} member(s) from outside the run (e.g. ${outside[0]}); the run's users ${(await ours()).join(", ")} are still in it (deactivated; Synapse parts them in the background)`);
    }
  }
}

/**
 * Step 4: cached copies of the run's media that this server fetched from the others. Synapse deletes remote media
 * only by last access (purge_media_cache), so the purge reaches up to the newest access of a run file here.
 */
async function purgeCachedRunMedia(plan: ServerPlan, runMedia: Set<string>, mayPurge: boolean): Promise<void> {
  const { d, admin, result } = plan;
  const cached: { mxc: string; origin: string; id: string; lastAccess: number; quarantined: boolean }[] = [];
  for (const mxc of runMedia) {
    const p = mxcParts(mxc);
    if (!p || p.origin === d.serverName) continue;
    try {
      const info = await admin.mediaInfo(p.origin, p.id);
      if (info) cached.push({ mxc, ...p, lastAccess: info.last_access_ts ?? info.created_ts ?? Date.now(), quarantined: !!info.quarantined_by });
    } catch (e) {
      result.errors.push(`cached media ${mxc}: ${(e as Error).message}`);
    }
  }
  if (cached.length === 0) return;
  if (!mayPurge) {
    result.remaining.push(`${cached.length} cached cop(ies) of run media from other servers: Synapse deletes cached remote media only by age (purge_media_cache), which also drops unrelated cache entries; allowed on the embedded instance or with MXACCEPT_DESTRUCTIVE=allow`);
    return;
  }
  const beforeTs = Math.max(...cached.map((c) => c.lastAccess)) + 1;
  try {
    await admin.purgeRemoteMediaCache(beforeTs);
  } catch (e) {
    result.errors.push(`purge_media_cache: ${(e as Error).message}`);
    return;
  }
  for (const c of cached) {
    if (await admin.mediaInfo(c.origin, c.id)) {
      result.remaining.push(`cached media ${c.mxc}: ${c.quarantined ? "quarantined (purge_media_cache never deletes quarantined media)" : "still cached after purge_media_cache (accessed again meanwhile?)"}`);
    } else result.remoteMedia++;
  }
}

/**
 * The admin token for cleaning up on `d`: the target's own, else the run admin's (recorded in the run's sessions
 * when the run made one with the shared secret). Undefined: no admin to clean up with.
 */
function cleanupToken(d: Server, runId?: string): string | undefined {
  if (d.adminToken) return d.adminToken;
  if (!runId) return undefined;
  return readSessions(runId).find((s) => s.server === d.serverName && s.userId === `@${runTag(runId)}admin:${d.serverName}`)?.accessToken;
}

/**
 * The admin token cleanup uses on `d`, and the admin cleanup made for it: where accounts live in MAS and the target
 * names no admin token, cleanup makes an admin of its own through MAS's admin API, removed last with the run's users.
 */
async function cleanupAdmin(d: Server, result: CleanupResult, runId?: string): Promise<{ token?: string; own?: { userId: string } }> {
  const token = cleanupToken(d, runId);
  if (token || !d.hs.mas || d.users.cannotMakeAdmin?.() || (await adminApiRouted(d)) === false) return { token };
  try {
    const own = await d.users.makeAdmin(`${runTag(newRunId())}cleanup`, "mxaccept cleanup");
    return { token: own?.accessToken, own };
  } catch (e) {
    result.errors.push(`no admin for cleanup could be made through ${d.users.label}: ${(e as Error).message}`);
    return {};
  }
}

async function cleanup(deployment: Deployment, selectRun: (runId: string) => boolean, ledger: LedgerEntry[], searchTerms: string[], runId?: string, admins = new Map<Server, { token?: string; own?: { userId: string } }>()): Promise<CleanupResult[]> {
  const plans: ServerPlan[] = [];
  const results: CleanupResult[] = [];
  for (const d of deployment.servers()) {
    const result = emptyResult(d.serverName);
    results.push(result);
    const { token, own } = admins.get(d) ?? (await cleanupAdmin(d, result, runId));
    // A server without the Synapse admin API (or without an admin for it): what the run's users can do themselves.
    if (!token || (await synapseAdminAnswers(d, token)) === false) {
      if (runId) {
        const r = await cleanupWithoutAdminApi(d, runId);
        result.errors.push(...r.errors);
        result.remaining.push(`no Synapse admin API${token ? "" : " token"} for the ${d.label}: ${r.devicesLoggedOut} of ${r.users} users of the run logged out of all devices, ${r.deactivated} of ${r.users} accounts deactivated through the client API (with the passwords the run kept), ${r.roomsLeft} room memberships left`, ...r.remaining);
      } else {
        result.remaining.push(`not removed: stale runs on the ${d.label} cannot be found: that needs the Synapse admin API and an admin token (MXACCEPT_${d.envPrefix}ADMIN_TOKEN); remove a known run with 'mxaccept cleanup --run ID' (it uses the run's recorded sessions)`);
      }
      continue;
    }
    plans.push({ d, admin: d.admin(token), result, users: new Set(own ? [own.userId] : []), rooms: new Set(), localMxc: new Set(), remoteMxc: new Set(), kept: new Map() });
  }
  for (const p of plans) {
    try {
      await survey(p, selectRun, ledger, searchTerms);
    } catch (e) {
      p.result.errors.push(`survey of ${p.d.label}: ${(e as Error).message}`);
    }
  }
  const ledgerRooms = new Set(ledger.filter((e) => e.kind === "room").map((e) => e.id));
  for (const p of plans) await deleteRooms(p, selectRun, ledgerRooms);
  // Every file of the run, wherever it was uploaded: the copies other servers cached are looked up by these.
  const runMedia = new Set<string>();
  for (const p of plans) for (const m of [...p.localMxc, ...p.remoteMxc]) runMedia.add(m);
  for (const p of plans) await removeUsers(p);
  for (const p of plans) await awaitLeft(p, selectRun);
  const mayPurge = deployment.target.embedded || deployment.target.destructive;
  for (const p of plans) await purgeCachedRunMedia(p, runMedia, mayPurge);
  if (runId) for (const p of plans) if (!p.result.errors.length) dropSessions(runId, p.d.serverName);
  return results;
}

/** Cleans up one run on every homeserver of the target. */
export async function cleanupRun(deployment: Deployment, runId: string, ledgerFile?: string): Promise<CleanupResult[]> {
  const ledger = ledgerFile ? Ledger.read(ledgerFile) : [];
  return cleanup(deployment, (r) => r === runId, ledger, [runTag(runId)], runId);
}

/** One line per server for the CLI: what was removed, then what remains and why. */
export function formatCleanup(r: CleanupResult, ms?: number): string[] {
  const lines = [`${r.server}: ${r.users} users deactivated and erased, ${r.rooms} rooms purged, ${r.media} media deleted, ${r.remoteMedia} cached remote media deleted, ${r.roomsLeft} rooms left to outside members${ms === undefined ? "" : ` (${(ms / 1000).toFixed(1)} s)`}`];
  for (const x of r.remaining) lines.push(`  remains: ${x}`);
  for (const e of r.errors) lines.push(`  error: ${e}`);
  return lines;
}

/**
 * Run ids of runs that are still alive on a server: one of their users had a device seen within `windowMs`
 * (a month-long availability canary is old but not stale).
 */
async function activeRuns(d: Server, token: string | undefined, candidate: (runId: string) => boolean, windowMs: number, now: number): Promise<Set<string>> {
  const active = new Set<string>();
  if (!token) return active;
  const admin = d.admin(token);
  const users = (await admin.listUsers({ name: TAG_PREFIX })).map((u) => u.name).filter((id) => {
    const run = runIdOf(id);
    return run !== undefined && candidate(run) && id.endsWith(`:${d.serverName}`);
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
export async function cleanupStale(deployment: Deployment, olderThanMs: number, now = Date.now()): Promise<{ results: CleanupResult[]; spared: string[] }> {
  const isOld = (runId: string) => {
    const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(runId);
    if (!m) return false;
    const started = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    return now - started >= olderThanMs;
  };
  const spared = new Set<string>();
  const admins = new Map<Server, { token?: string; own?: { userId: string } }>();
  for (const d of deployment.servers()) {
    let active: Set<string>;
    const a = await cleanupAdmin(d, emptyResult(d.serverName));
    admins.set(d, a);
    try {
      active = await activeRuns(d, a.token, isOld, olderThanMs, now);
    } catch (e) {
      throw new UserError(`the Synapse admin API of the ${d.label} at ${d.adminUrl} does not answer (${(e as Error).message.split("\n")[0]}): set MXACCEPT_${d.envPrefix}ADMIN_BASE_URL to where it is served; a server without it (e.g. Dendrite) cannot list stale runs: remove a known run with 'mxaccept cleanup --run ID'.`);
    }
    for (const r of active) spared.add(r);
  }
  const results = await cleanup(deployment, (r) => isOld(r) && !spared.has(r), [], [TAG_PREFIX], undefined, admins);
  return { results, spared: [...spared] };
}

export { runTag };
