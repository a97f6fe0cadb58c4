import type { TestUser } from "./users.ts";
import { requestJson } from "./http.ts";
import { waitFor } from "./timeouts.ts";

/**
 * Sync over the plain client-server API (no SDK), for checks that look at what the server itself computes
 * (notification counts, what is delivered to whom). `rawSyncUntil` follows `next_batch` with long polls and
 * hands each response to the checker until it returns a value or the deadline passes (a `waitFor`).
 */
export interface SyncResponse {
  next_batch: string;
  rooms?: {
    join?: Record<string, { timeline?: { events: { event_id: string; type: string; sender: string; content: Record<string, unknown> }[] }; unread_notifications?: { notification_count?: number; highlight_count?: number } }>;
    leave?: Record<string, { timeline?: { events: { event_id: string; type: string }[] } }>;
    invite?: Record<string, unknown>;
  };
}

export async function rawSync(user: TestUser, since?: string, timeoutMs = 0): Promise<SyncResponse> {
  const { body } = await requestJson<SyncResponse>(user.baseUrl, "GET", "_matrix/client/v3/sync", {
    token: user.accessToken,
    query: { since, timeout: timeoutMs, filter: JSON.stringify({ room: { timeline: { limit: 50 } }, presence: { types: [] } }) },
    timeoutMs: timeoutMs + 30_000,
  });
  return body;
}

/** One line for a sync response in a wait's notes: per room, how many events of which types, and counts; no content. */
function syncLine(res: SyncResponse): string {
  const join = Object.entries(res.rooms?.join ?? {}).map(([id, r]) => {
    const types = [...new Set((r.timeline?.events ?? []).map((e) => e.type))].join("/");
    const n = r.unread_notifications?.notification_count;
    return `${id} ${r.timeline?.events.length ?? 0} events${types ? ` (${types})` : ""}${n !== undefined ? ` notifications ${n}` : ""}`;
  });
  const leave = Object.keys(res.rooms?.leave ?? {}).map((id) => `left ${id}`);
  const all = [...join, ...leave];
  return all.length ? all.slice(0, 4).join("; ") + (all.length > 4 ? `; +${all.length - 4} rooms` : "") : "no room changes";
}

/**
 * `waitFor` over /sync long polls: each response goes to `check` until it returns a value. A failing /sync ends
 * the wait at once (it is not a state to wait out); the timeout names the last responses seen.
 */
export async function rawSyncUntil<T>(user: TestUser, what: string, check: (res: SyncResponse) => T | undefined, opts: { since?: string; timeoutMs?: number } = {}): Promise<{ value: T; since: string }> {
  let since = opts.since;
  const value = await waitFor(what, async (p) => {
    const res = await rawSync(user, since, since ? Math.min(5000, p.leftMs()) : 0);
    since = res.next_batch;
    const v = check(res);
    if (v === undefined) p.note(syncLine(res));
    return v;
  }, { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 0, who: user.userId, until: true, failFast: true });
  return { value, since: since! };
}
