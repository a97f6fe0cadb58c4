import type { HomeserverTarget } from "../config/target.ts";
import type { AdminClient } from "./admin.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "../config/run-id.ts";
import { mapPool } from "./pool.ts";

/**
 * Users at scale (group-size checks): created with the admin API without a password, so no bcrypt hashing and no
 * device; a token when one is needed comes from the admin login API. Run-tagged and recorded in the ledger like
 * every other harness user, so cleanup removes them.
 */

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

/** An admin join that may be refused (a full room): what the server said, never thrown. */
export async function tryAdminJoin(admin: AdminClient, roomId: string, userId: string): Promise<{ status: number; errcode?: string; error?: string }> {
  const res = await admin.request<{ errcode?: string; error?: string }>("POST", `_synapse/admin/v1/join/${encodeURIComponent(roomId)}`, { body: { user_id: userId }, accept: [400, 403, 404] });
  return { status: res.status, errcode: res.body?.errcode, error: res.body?.error };
}
