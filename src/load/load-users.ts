import type { HomeserverTarget } from "../config/target.ts";
import { deployment } from "../matrix/deployment.ts";
import type { Ledger } from "../matrix/ledger.ts";
import { runTag } from "../config/run-id.ts";

/**
 * Users at scale for load runs: many run-tagged users, created and logged in without touching the target's
 * rate limits. The cost of creating users is password hashing (bcrypt), so load users get no password: the
 * admin API creates them (PUT /_synapse/admin/v2/users/<id>) and issues their token
 * (POST /_synapse/admin/v1/users/{id}/login); each is then exempted with override_ratelimit. Every user is
 * recorded in the ledger before it exists, so cleanup removes it even after a crash.
 */
export interface LoadUser {
  userId: string;
  accessToken: string;
}

const enc = encodeURIComponent;

/** Runs `fn` over `items` with at most `concurrency` at a time; rejects on the first error. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function provisionLoadUsers(hs: HomeserverTarget, runId: string, ledger: Ledger, count: number, opts: { prefix?: string; concurrency?: number } = {}): Promise<LoadUser[]> {
  if (!hs.adminToken) throw new Error(`no admin token for ${hs.serverName}: load users are created through the admin API`);
  const admin = deployment(hs).admin();
  const indexes = Array.from({ length: count }, (_, i) => i);
  return pool(indexes, opts.concurrency ?? 8, async (i) => {
    const userId = `@${runTag(runId)}${opts.prefix ?? "load"}-${i}:${hs.serverName}`;
    ledger.record({ kind: "user", id: userId, server: hs.serverName, test: "load" });
    await admin.putUser(userId, { displayname: `Load ${i} ${runId}` });
    const { body } = await admin.request<{ access_token: string }>("POST", `_synapse/admin/v1/users/${enc(userId)}/login`, { body: {} });
    await admin.overrideRatelimit(userId);
    return { userId, accessToken: body.access_token };
  });
}
