import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { parseDuration } from "../config/duration.ts";
import { loadProfile } from "../config/profile.ts";
import { readProbeLog } from "../load/probe-log.ts";
import { burnRateRules } from "../report/burn-rate.ts";
import { loadMaintenance } from "../report/maintenance.ts";
import { computeSla, formatSla, monthInterval, monthOf, type Interval } from "../report/sla.ts";
import { parse } from "./args.ts";

const USAGE = "mxaccept sla --probes F [--maintenance F] [--month YYYY-MM | --from ISO --to ISO] [--target-availability 0.999 | --profile ID] [--bucket 1m] [--rules-out F] [--json]";

function instant(flag: string, v: string): number {
  const ms = Date.parse(v);
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(v) || !Number.isFinite(ms)) throw new UserError(`--${flag} ${v}: write a time with offset, e.g. 2026-03-01T00:00:00+01:00.`);
  return ms;
}

export async function slaCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    probes: { type: "string" },
    maintenance: { type: "string" },
    month: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    "target-availability": { type: "string" },
    profile: { type: "string" },
    bucket: { type: "string" },
    "rules-out": { type: "string" },
    json: { type: "boolean" },
  }, USAGE);
  if (!values.probes) throw new UserError(`--probes is required (the canary's log from 'mxaccept probe'); usage: ${USAGE}`);
  const file = resolve(values.probes);
  if (!existsSync(file)) throw new UserError(`probe log ${values.probes} not found: run 'mxaccept probe --out ${values.probes}' first.`);
  let target: number;
  if (values["target-availability"] !== undefined) {
    if (values.profile) throw new UserError("give either --target-availability or --profile, not both.");
    target = Number(values["target-availability"].replace(/%$/, "")) / (values["target-availability"].endsWith("%") ? 100 : 1);
    if (!(target > 0 && target < 1)) throw new UserError(`--target-availability ${values["target-availability"]}: must be a fraction such as 0.999 (or 99.9%).`);
  } else {
    target = loadProfile(values.profile ?? "managed-bundesmessenger").contract.availabilityTarget;
  }
  const bucketMs = parseDuration(values.bucket ?? "1m", "--bucket");
  if (!(bucketMs >= 1)) throw new UserError(`--bucket ${values.bucket}: must be at least 1 ms.`);
  let period: Interval;
  let label: string;
  if (values.from || values.to) {
    if (!values.from || !values.to || values.month) throw new UserError(`give --from and --to together, and not with --month; usage: ${USAGE}`);
    period = { start: instant("from", values.from), end: instant("to", values.to) };
    if (!(period.end > period.start)) throw new UserError("--to must be after --from.");
    label = "window";
  } else {
    const month = values.month ?? monthOf(Date.now());
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UserError(`--month ${month}: write YYYY-MM, e.g. 2026-03.`);
    period = monthInterval(month);
    label = `month ${month}`;
  }
  const { probes, skipped } = readProbeLog(file);
  const excused = values.maintenance ? loadMaintenance(resolve(values.maintenance)) : [];
  const result = computeSla({ probes, excused, period, target, bucketMs });
  if (values["rules-out"]) writeFileSync(resolve(values["rules-out"]), burnRateRules(target));
  if (values.json) console.log(JSON.stringify({ ...result, skippedLines: skipped }, null, 2));
  else {
    console.log(formatSla(result, label, !(values.from || values.to)));
    if (skipped) console.log(`  ${skipped} unreadable lines in the log were skipped`);
    if (values["rules-out"]) console.log(`  Prometheus burn-rate rules: ${values["rules-out"]}`);
  }
  return result.met ? 0 : 1;
}
