import type { AdminClient } from "./admin.ts";
import type { Server } from "./deployment.ts";
import type { Ledger } from "./ledger.ts";
import { runTag } from "../config/run-id.ts";
import { mapPool } from "./pool.ts";

/**
 * Users at scale, the one path for them (group-size checks, load runs): made by the server's user source without a
 * password (so no password hashing and no device), a token when one is needed without a login of its own (the
 * Synapse admin login API, or a MAS personal session), each exempted from rate limits where the server allows.
 * Run-tagged and recorded in the ledger before they exist, like every other harness user, so cleanup removes them.
 */

export interface BulkUser {
  userId: string;
  localpart: string;
  /** With `tokens: true`: a token of its own. */
  accessToken?: string;
}

export interface BulkOptions {
  runId: string;
  /** The test's scope slug (fixtures), so names stay unique across tests. */
  scope?: string;
  prefix: string;
  count: number;
  ledger: Ledger;
  test?: string;
  /** Also a token per user, and the user exempted from rate limits (load users). */
  tokens?: boolean;
  displayName?: (i: number) => string;
  concurrency?: number;
}

/** Creates `count` run-tagged users named <prefix>-<n> on `server`; returns their ids (and tokens where asked). */
export async function provisionUsers(server: Server, opts: BulkOptions): Promise<BulkUser[]> {
  const users: BulkUser[] = Array.from({ length: opts.count }, (_, i) => {
    const localpart = `${runTag(opts.runId)}${opts.scope ? `${opts.scope}-` : ""}${opts.prefix}-${i + 1}`;
    return { userId: `@${localpart}:${server.serverName}`, localpart };
  });
  for (const u of users) opts.ledger.record({ kind: "user", id: u.userId, server: server.serverName, test: opts.test });
  await mapPool(users, opts.concurrency ?? 8, async (u, i) => {
    await server.users.provision(u.localpart, opts.displayName?.(i + 1) ?? u.localpart);
    if (opts.tokens) {
      u.accessToken = await server.users.tokenFor(u.userId);
      await server.users.exempt(u.userId);
    }
  });
  return users;
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
