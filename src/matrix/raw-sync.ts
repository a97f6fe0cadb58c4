import type { TestUser } from "./users.ts";
import { requestJson } from "./http.ts";
import { scaled } from "./timeouts.ts";

/**
 * Sync over the plain client-server API (no SDK), for checks that look at what the server itself computes
 * (notification counts, what is delivered to whom). `rawSyncUntil` follows `next_batch` with long polls and
 * hands each response to the checker until it returns a value or the deadline passes.
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

export async function rawSyncUntil<T>(user: TestUser, what: string, check: (res: SyncResponse) => T | undefined, opts: { since?: string; timeoutMs?: number } = {}): Promise<{ value: T; since: string }> {
  const deadline = Date.now() + scaled(opts.timeoutMs ?? 30_000);
  let since = opts.since;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${user.userId}: timed out waiting until ${what}`);
    const res = await rawSync(user, since, since ? Math.min(5000, left) : 0);
    since = res.next_batch;
    const v = check(res);
    if (v !== undefined) return { value: v, since };
  }
}
