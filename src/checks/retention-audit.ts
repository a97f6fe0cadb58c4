import type { Profile } from "../config/profile.ts";
import { parseDuration } from "../config/duration.ts";
import { retentionConfig } from "../stack/generate.ts";
import type { AdminClient } from "../matrix/admin.ts";

/**
 * The retention arithmetic and the read-only audit of the retention suite.
 *
 * Live (the embedded reference instance, every time scale): at a scale > 1 the message lifetime is seconds long
 * and the checks wait for it ("natural"); at scale 1 the lifetime is the contract's, and the checks make one
 * message, one local and one cached remote file a lifetime old in the reference's database ("backdate"), then
 * observe the instance's own retention jobs. Audit (any target, read-only admin API): stored data older than the
 * contract's lifetime plus one day (the purge jobs run at least daily) is a violation; no violation counts only
 * when the audited data reaches back past that limit, else the audit is inconclusive and says from when it will
 * be conclusive.
 */
export interface RetentionPlan {
  live: "natural" | "backdate";
  lifetimeMs: number;
  purgeIntervalMs: number;
}

const DAY = 86_400_000;
/** Grace for purge and media jobs that run daily (Synapse's default purge interval) before data counts as kept too long. */
export const AUDIT_GRACE_MS = DAY;

export function retentionPlan(profile: Profile, timeScale: number): RetentionPlan {
  const cfg = retentionConfig(profile, timeScale).retention as { default_policy: { max_lifetime: string }; purge_jobs: { interval: string }[] };
  const lifetimeMs = parseDuration(cfg.default_policy.max_lifetime);
  const purgeIntervalMs = parseDuration(cfg.purge_jobs[0]!.interval);
  return { live: timeScale > 1 ? "natural" : "backdate", lifetimeMs, purgeIntervalMs };
}

/** The audit limits: the contract's lifetimes plus one day. */
export function auditLimits(profile: Profile): { messagesMs: number; localMediaMs: number; remoteMediaMs: number } {
  const c = profile.contract;
  return {
    messagesMs: parseDuration(c.messageLifetime) + AUDIT_GRACE_MS,
    localMediaMs: parseDuration(c.localMediaLifetime) + AUDIT_GRACE_MS,
    remoteMediaMs: parseDuration(c.remoteMediaLifetime) + AUDIT_GRACE_MS,
  };
}

/** At most `n` items, evenly spread over the list (deterministic, so a re-run audits the same sample). */
export function sampleEvenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)]!);
}

const round1 = (ms: number) => Math.round((ms / DAY) * 10) / 10;

/**
 * Whether an audit that found no violation decides the requirement: only when the audited data reaches back past
 * the limit (the oldest stored item is older than it). Otherwise the date from which it will.
 */
export function conclusiveness(oldestTs: number | undefined, limitMs: number, now: number, what: string): { conclusive: boolean; oldestAgeDays?: number; conclusiveFrom?: string; note: string } {
  if (oldestTs === undefined) return { conclusive: false, note: `no ${what} stored, nothing to audit` };
  const age = now - oldestTs;
  const from = new Date(oldestTs + limitMs).toISOString().slice(0, 10);
  if (age > limitMs) return { conclusive: true, oldestAgeDays: round1(age), note: `oldest ${what} ${round1(age)} days old, past the ${round1(limitMs)} days limit` };
  return { conclusive: false, oldestAgeDays: round1(age), conclusiveFrom: from, note: `oldest ${what} ${round1(age)} days old; conclusive from ${from}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

export interface RoomHistory {
  roomId: string;
  /** origin_server_ts of the room's first stored event (its creation; state is never purged). */
  createdTs?: number;
  /** The first two non-state events in stream order, oldest first. */
  oldestMessages: { eventId: string; ts: number }[];
  /** Pages read past state events before the first messages (or the page bound). */
  pages: number;
}

export interface MessageFinding {
  roomId: string;
  eventId: string;
  ageDays: number;
}

/**
 * Messages stored longer than the limit. Synapse's purge keeps the newest expired event of a room (the purge
 * point) and hides it from clients, so one old message per room is tolerated and listed apart; a second message
 * older than the limit in the same room is a violation (its older sibling would have been purged).
 */
export function judgeMessages(rooms: RoomHistory[], limitMs: number, now: number): { violations: MessageFinding[]; keptPurgePoint: MessageFinding[] } {
  const violations: MessageFinding[] = [];
  const kept: MessageFinding[] = [];
  for (const r of rooms) {
    const old = r.oldestMessages.filter((m) => now - m.ts > limitMs);
    if (old.length >= 2) violations.push({ roomId: r.roomId, eventId: old[0]!.eventId, ageDays: round1(now - old[0]!.ts) });
    else if (old.length === 1) kept.push({ roomId: r.roomId, eventId: old[0]!.eventId, ageDays: round1(now - old[0]!.ts) });
  }
  return { violations, keptPurgePoint: kept };
}

interface AdminEvent {
  event_id: string;
  origin_server_ts: number;
  state_key?: string;
}

/** Every room's id (admin room list, paged). */
export async function listRoomIds(admin: AdminClient): Promise<string[]> {
  return (await admin.listRooms({ order_by: "name" })).map((r) => r.room_id);
}

/** A room's stored history from its start (admin API, no visibility filter), paged past its state events. */
export async function roomHistory(admin: AdminClient, roomId: string, maxPages = 20): Promise<RoomHistory> {
  const h: RoomHistory = { roomId, oldestMessages: [], pages: 0 };
  let from: string | undefined;
  while (h.pages < maxPages && h.oldestMessages.length < 2) {
    const { body } = await admin.request<{ chunk: AdminEvent[]; end?: string }>("GET", `_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/messages`, { query: { dir: "f", limit: 100, ...(from ? { from } : {}) } });
    h.pages++;
    for (const e of body.chunk) {
      h.createdTs ??= e.origin_server_ts;
      if (e.state_key === undefined && h.oldestMessages.length < 2) h.oldestMessages.push({ eventId: e.event_id, ts: e.origin_server_ts });
    }
    if (body.chunk.length < 100 || !body.end || body.end === from) break;
    from = body.end;
  }
  return h;
}

export interface MessageAudit {
  roomsTotal: number;
  sample: number;
  violations: MessageFinding[];
  keptPurgePoint: MessageFinding[];
  oldestRoomTs?: number;
  pagesRead: number;
}

export async function auditMessages(admin: AdminClient, limitMs: number, now: number, sampleSize: number): Promise<MessageAudit> {
  const ids = await listRoomIds(admin);
  const sample = sampleEvenly(ids, sampleSize);
  const rooms: RoomHistory[] = [];
  for (const id of sample) rooms.push(await roomHistory(admin, id));
  const found = judgeMessages(rooms, limitMs, now);
  const created = rooms.map((r) => r.createdTs).filter((t): t is number => t !== undefined);
  return { roomsTotal: ids.length, sample: sample.length, ...found, oldestRoomTs: created.length ? Math.min(...created) : undefined, pagesRead: rooms.reduce((n, r) => n + r.pages, 0) };
}

// ---------------------------------------------------------------------------------------------------------------
// Local media (by upload time, every user including deactivated ones)

export interface MediaRecord {
  media_id: string;
  created_ts: number;
  last_access_ts?: number | null;
  quarantined_by?: string | null;
  safe_from_quarantine?: boolean;
  media_origin?: string | null;
}

export interface MediaFinding {
  mediaId: string;
  origin?: string;
  userId?: string;
  ageDays: number;
  lastAccessDaysAgo?: number;
}

/**
 * Media stored longer than the limit, aged by upload (created_ts): a file that keeps being downloaded still ages.
 * The owner's profile avatar is kept by Synapse on purpose (not a file sent) and quarantined media is not served:
 * both are listed apart, not as violations.
 */
export function judgeMedia(media: (MediaRecord & { userId?: string })[], limitMs: number, now: number, avatars: Set<string> = new Set()): { violations: MediaFinding[]; keptApart: (MediaFinding & { why: string })[] } {
  const violations: MediaFinding[] = [];
  const keptApart: (MediaFinding & { why: string })[] = [];
  for (const m of media) {
    const age = now - m.created_ts;
    if (age <= limitMs) continue;
    const f: MediaFinding = { mediaId: m.media_id, ...(m.media_origin ? { origin: m.media_origin } : {}), ...(m.userId ? { userId: m.userId } : {}), ageDays: round1(age), ...(m.last_access_ts ? { lastAccessDaysAgo: round1(now - m.last_access_ts) } : {}) };
    if (avatars.has(m.media_id)) keptApart.push({ ...f, why: "profile avatar" });
    else if (m.quarantined_by) keptApart.push({ ...f, why: "quarantined (not served)" });
    else violations.push(f);
  }
  return { violations, keptApart };
}

export interface LocalMediaAudit {
  usersTotal: number;
  deactivatedUsers: number;
  usersWithOldMedia: number;
  usersChecked: number;
  oldMediaCount: number;
  violations: MediaFinding[];
  keptApart: (MediaFinding & { why: string })[];
  oldestUserTs?: number;
}

/**
 * Every local user's media uploaded before the limit, deactivated users included: the media statistics count
 * them per user by upload time (`until_ts`), complete and cheap; the first `sampleSize` users with such media
 * are then listed file by file (oldest first) for the evidence.
 */
export async function auditLocalMedia(admin: AdminClient, limitMs: number, now: number, sampleSize: number): Promise<LocalMediaAudit> {
  const users = await admin.listUsers({ deactivated: true, guests: true });
  const until = now - limitMs;
  const withOld: { user_id: string; media_count: number }[] = [];
  let from: number | undefined = 0;
  while (from !== undefined) {
    const page: { body: { users: { user_id: string; media_count: number }[]; next_token?: number } } = await admin.request("GET", "_synapse/admin/v1/statistics/users/media", { query: { from, limit: 500, until_ts: until, order_by: "media_count", dir: "b" } });
    withOld.push(...page.body.users.filter((u) => u.media_count > 0));
    from = page.body.next_token;
  }
  const avatars = new Set(users.map((u) => u.avatar_url?.split("/").pop()).filter((s): s is string => !!s));
  const media: (MediaRecord & { userId: string })[] = [];
  const checked = withOld.slice(0, sampleSize);
  for (const u of checked) {
    const { body } = await admin.request<{ media: MediaRecord[] }>("GET", `_synapse/admin/v1/users/${encodeURIComponent(u.user_id)}/media`, { query: { order_by: "created_ts", dir: "f", limit: Math.min(u.media_count, 20) } });
    media.push(...body.media.map((m) => ({ ...m, userId: u.user_id })));
  }
  const judged = judgeMedia(media, limitMs, now, avatars);
  const created = users.map((u) => u.creation_ts).filter((t): t is number => typeof t === "number" && t > 0);
  return {
    usersTotal: users.length,
    deactivatedUsers: users.filter((u) => u.deactivated).length,
    usersWithOldMedia: withOld.length,
    usersChecked: checked.length,
    oldMediaCount: withOld.reduce((n, u) => n + u.media_count, 0),
    ...judged,
    oldestUserTs: created.length ? Math.min(...created) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Cached remote media (admin room media lists and media info)

export interface RemoteMediaAudit {
  roomsTotal: number;
  roomsSampled: number;
  remoteReferences: number;
  checked: number;
  cached: number;
  violations: MediaFinding[];
  keptApart: (MediaFinding & { why: string })[];
  /** The oldest room that references remote media: the audit reaches back that far. */
  oldestRoomWithRemoteTs?: number;
}

/**
 * Remote media the instance still caches, aged by when it was cached (created_ts). The admin API lists a room's
 * media from its unencrypted events only (an encrypted attachment's URL is inside the ciphertext), so in rooms that
 * are all end-to-end encrypted the audit finds nothing and stays inconclusive.
 */
export async function auditRemoteMedia(admin: AdminClient, roomIds: string[], limitMs: number, now: number, sampleSize: number, maxMedia = 500): Promise<RemoteMediaAudit> {
  const sample = sampleEvenly(roomIds, sampleSize);
  const media: MediaRecord[] = [];
  let references = 0;
  let checked = 0;
  let oldest: number | undefined;
  for (const roomId of sample) {
    const { body } = await admin.request<{ remote: string[] }>("GET", `_synapse/admin/v1/room/${encodeURIComponent(roomId)}/media`);
    if (!body.remote.length) continue;
    references += body.remote.length;
    const first = (await admin.request<{ chunk: AdminEvent[] }>("GET", `_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/messages`, { query: { dir: "f", limit: 1 } })).body.chunk[0];
    if (first) oldest = Math.min(oldest ?? first.origin_server_ts, first.origin_server_ts);
    for (const mxc of body.remote) {
      if (checked >= maxMedia) break;
      const m = /^mxc:\/\/([^/]+)\/([^/?#]+)/.exec(mxc);
      if (!m) continue;
      checked++;
      const res = await admin.request<{ media_info: MediaRecord }>("GET", `_synapse/admin/v1/media/${encodeURIComponent(m[1]!)}/${encodeURIComponent(m[2]!)}`, { accept: [404] });
      if (res.status === 200) media.push({ ...res.body.media_info, media_origin: m[1] });
    }
  }
  return { roomsTotal: roomIds.length, roomsSampled: sample.length, remoteReferences: references, checked, cached: media.length, ...judgeMedia(media, limitMs, now), oldestRoomWithRemoteTs: oldest };
}
