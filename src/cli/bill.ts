import { resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { loadProfile } from "../config/profile.ts";
import { loadTarget } from "../config/target.ts";
import { trustCa } from "../config/trust.ts";
import { AdminClient } from "../matrix/admin.ts";
import { runIdOf } from "../matrix/run-id.ts";
import { priceMonth, formatBill } from "../report/billing.ts";
import { parse } from "./args.ts";
import { preflight } from "./preflight.ts";

const USAGE = "mxaccept bill [--profile ID] (--users N --storage-gb G | --target F.env)";
const GIB = 1024 ** 3;

/**
 * What counts on a live instance: registered users are the local accounts that are not deactivated, not
 * guests, and not of a special user type (bots, support), without the harness's own run-tagged users; storage
 * is the local media the users uploaded (admin media statistics), in GiB.
 */
async function measure(targetFile: string): Promise<{ users: number; storageGB: number; note: string }> {
  const target = loadTarget(targetFile);
  if (target.caFile) trustCa(target.caFile);
  if (!target.adminToken) throw new UserError(`target ${targetFile}: pricing a live instance needs MXACCEPT_ADMIN_TOKEN (user and media statistics are admin APIs).`);
  await preflight(target);
  const admin = new AdminClient(target.baseUrl, target.adminToken);
  const all = await admin.listUsers();
  const counted = all.filter((u) => !u.deactivated && !runIdOf(u.name) && !(u as { user_type?: string | null }).user_type);
  let bytes = 0;
  let from: string | undefined = "0";
  while (from !== undefined) {
    const page: { body: { users: { media_length: number }[]; next_token?: number } } = await admin.request("GET", "_synapse/admin/v1/statistics/users/media", { query: { from, limit: 500 } });
    bytes += page.body.users.reduce((s, u) => s + u.media_length, 0);
    from = page.body.next_token === undefined ? undefined : String(page.body.next_token);
  }
  return {
    users: counted.length,
    storageGB: Math.round((bytes / GIB) * 1000) / 1000,
    note: `${counted.length} registered users (local, active, no guests, bots or support accounts, without mxaccept's run-tagged users; ${all.length - counted.length} left out), ${bytes} bytes of local media`,
  };
}

export async function billCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { profile: { type: "string" }, users: { type: "string" }, "storage-gb": { type: "string" }, target: { type: "string" } }, USAGE);
  const profile = loadProfile(values.profile ?? "managed-bundesmessenger");
  const prices = profile.contract.prices;
  if (!prices) throw new UserError(`profile ${profile.id} has no price table; use --profile managed-bundesmessenger.`);
  let usage: { users: number; storageGB: number };
  if (values.target) {
    if (values.users || values["storage-gb"]) throw new UserError(`give either --target or --users/--storage-gb; usage: ${USAGE}`);
    const m = await measure(resolve(values.target));
    console.log(m.note);
    usage = m;
  } else {
    const users = Number(values.users);
    const storageGB = Number(values["storage-gb"] ?? "0");
    if (values.users === undefined || !Number.isInteger(users) || users < 0) throw new UserError(`--users must be a whole number >= 0; usage: ${USAGE}`);
    if (!Number.isFinite(storageGB) || storageGB < 0) throw new UserError(`--storage-gb must be a number >= 0; usage: ${USAGE}`);
    usage = { users, storageGB };
  }
  console.log(formatBill(priceMonth(prices, usage, profile.contract.storagePerUserGiB)));
  return 0;
}
