import { resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { loadProfile } from "../config/profile.ts";
import { loadTarget } from "../config/target.ts";
import { trustCa } from "../config/trust.ts";
import { priceMonth, formatBill } from "../report/billing.ts";
import { measureUsage, type Usage } from "../report/usage.ts";
import { parse } from "./args.ts";
import { preflight } from "./preflight.ts";

const USAGE = "mxaccept bill [--profile ID] (--users N --storage-gb G | --target F.env)";

async function measure(targetFile: string): Promise<Usage> {
  const target = loadTarget(targetFile);
  if (target.caFile) trustCa(target.caFile);
  if (!target.adminToken) throw new UserError(`target ${targetFile}: pricing a live instance needs MXACCEPT_ADMIN_TOKEN (user and media statistics are admin APIs).`);
  const d = await preflight(target);
  return measureUsage(d.instance.admin());
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
