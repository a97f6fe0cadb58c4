import type { Server } from "../matrix/deployment.ts";
import type { Ledger } from "../matrix/ledger.ts";
import { provisionUsers } from "../matrix/bulk-users.ts";

/**
 * Users at scale for load runs: many run-tagged users, created and given tokens without a password (the cost of
 * creating users is password hashing) and exempted from the server's rate limits, through the one bulk-user path
 * (src/matrix/bulk-users.ts) and so through the server's user source. Every user is recorded in the ledger before
 * it exists, so cleanup removes it even after a crash.
 */
export interface LoadUser {
  userId: string;
  accessToken: string;
}

export async function provisionLoadUsers(server: Server, runId: string, ledger: Ledger, count: number, opts: { prefix?: string; concurrency?: number } = {}): Promise<LoadUser[]> {
  const made = await provisionUsers(server, { runId, prefix: opts.prefix ?? "load", count, ledger, test: "load", tokens: true, concurrency: opts.concurrency, displayName: (i) => `Load ${i} ${runId}` });
  return made.map((u) => ({ userId: u.userId, accessToken: u.accessToken! }));
}
