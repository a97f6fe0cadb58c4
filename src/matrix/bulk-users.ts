import type { HomeserverTarget } from "../config/target.ts";
import type { AdminClient } from "./admin.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "./run-id.ts";

/**
 * Users at scale (group-size checks): created with the admin API without a password, so no bcrypt hashing and no
 * device; a token when one is needed comes from the admin login API. Run-tagged and recorded in the ledger like
 * every other harness user, so cleanup removes them.
 */

/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in input order. */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export interface BulkUser {
  userId: string;
  localpart: string;
}

/** Creates `count` run-tagged users named <prefix>-<n> (no password, no device); returns their ids. */
export async function provisionUsers(admin: AdminClient, hs: HomeserverTarget, opts: { runId: string; scope: string; prefix: string; count: number; ledger: Ledger; test?: string; concurrency?: number }): Promise<BulkUser[]> {
  const users = Array.from({ length: opts.count }, (_, i) => {
    const localpart = `${runTag(opts.runId)}${opts.scope}-${opts.prefix}-${i + 1}`;
    return { userId: `@${localpart}:${hs.serverName}`, localpart };
  });
  for (const u of users) opts.ledger.record({ kind: "user", id: u.userId, server: hs.serverName, test: opts.test });
  await mapPool(users, opts.concurrency ?? 8, (u) => admin.putUser(u.userId, { displayname: u.localpart }));
  return users;
}

/** An access token for a user, without a password and without creating a device (admin login API). */
export async function loginAs(admin: AdminClient, userId: string): Promise<string> {
  const { body } = await admin.request<{ access_token: string }>("POST", `_synapse/admin/v1/users/${encodeURIComponent(userId)}/login`, { body: {} });
  return body.access_token;
}

/** Makes a user join a room through the admin API (the server runs its join checks for the user, not the admin). */
export async function adminJoin(admin: AdminClient, roomId: string, userId: string): Promise<void> {
  await admin.request("POST", `_synapse/admin/v1/join/${encodeURIComponent(roomId)}`, { body: { user_id: userId } });
}
