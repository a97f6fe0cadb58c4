import type { AdminClient } from "../matrix/admin.ts";
import { runIdOf } from "../config/run-id.ts";

/**
 * Usage of a live instance, as billed: registered users are the local accounts that are not deactivated, not
 * guests and not of a special user type (bots, support), without mxaccept's own run-tagged users; storage is
 * the local media the users uploaded (admin media statistics), in GiB (1 GB of the contract = 2^30 bytes).
 */
export interface Usage {
  users: number;
  storageGB: number;
  /** Local media of the customer's users (what is billed). */
  mediaBytes: number;
  /** Local media of mxaccept's own run-tagged users: measured, not billed, removed by cleanup. */
  harnessBytes: number;
  perUser: { userId: string; mediaBytes: number; mediaCount: number }[];
  note: string;
}

const GIB = 1024 ** 3;

export async function measureUsage(admin: AdminClient): Promise<Usage> {
  const all = await admin.listUsers();
  const counted = all.filter((u) => !u.deactivated && !runIdOf(u.name) && !(u as { user_type?: string | null }).user_type);
  const perUser: Usage["perUser"] = [];
  let from: string | undefined = "0";
  while (from !== undefined) {
    const page: { body: { users: { user_id: string; media_length: number; media_count: number }[]; next_token?: number } } =
      await admin.request("GET", "_synapse/admin/v1/statistics/users/media", { query: { from, limit: 500 } });
    perUser.push(...page.body.users.map((u) => ({ userId: u.user_id, mediaBytes: u.media_length, mediaCount: u.media_count })));
    from = page.body.next_token === undefined ? undefined : String(page.body.next_token);
  }
  const mediaBytes = perUser.filter((u) => !runIdOf(u.userId)).reduce((s, u) => s + u.mediaBytes, 0);
  const harnessBytes = perUser.filter((u) => runIdOf(u.userId)).reduce((s, u) => s + u.mediaBytes, 0);
  return {
    users: counted.length,
    storageGB: Math.round((mediaBytes / GIB) * 1000) / 1000,
    mediaBytes,
    harnessBytes,
    perUser,
    note: `${counted.length} registered users (local, active, no guests, bots or support accounts, without mxaccept's run-tagged users; ${all.length - counted.length} accounts left out), ${mediaBytes} bytes of local media (plus ${harnessBytes} bytes of mxaccept's own test uploads, not billed)`,
  };
}
