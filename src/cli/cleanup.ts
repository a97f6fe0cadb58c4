import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { reportsDir, stateDir } from "../config/paths.ts";
import { loadTarget } from "../config/target.ts";
import { parseDuration } from "../config/duration.ts";
import { trustCa } from "../config/trust.ts";
import { cleanupRun, cleanupStale, formatCleanup, type CleanupResult } from "../matrix/cleanup.ts";
import { isRunId } from "../config/run-id.ts";
import { readState } from "../stack/state.ts";
import { parse } from "./args.ts";
import { preflight } from "./preflight.ts";

const USAGE = "mxaccept cleanup [--target F.env] (--run ID | --stale [--older-than 2h])";

export async function cleanupCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { target: { type: "string" }, run: { type: "string" }, stale: { type: "boolean" }, "older-than": { type: "string" } }, USAGE);
  if (!values.run === !values.stale) throw new UserError(`give exactly one of --run ID and --stale; usage: ${USAGE}`);
  let targetFile = values.target ? resolve(values.target) : undefined;
  if (!targetFile) {
    const state = readState(stateDir());
    if (!state) throw new UserError("no --target given and no reference instance is running: pass --target F.env.");
    targetFile = state.targetFile;
  }
  const target = loadTarget(targetFile);
  if (target.caFile) trustCa(target.caFile);
  const d = await preflight(target);
  let results: CleanupResult[];
  const t0 = performance.now();
  if (values.run) {
    if (!isRunId(values.run)) throw new UserError(`--run ${values.run}: not a run id (they look like 20261122-130501-a1b2; see reports/).`);
    const ledger = join(reportsDir(), values.run, "ledger.jsonl");
    results = await cleanupRun(d, values.run, existsSync(ledger) ? ledger : undefined);
  } else {
    const olderThan = parseDuration(values["older-than"] ?? "2h", "--older-than");
    const stale = await cleanupStale(d, olderThan);
    results = stale.results;
    for (const run of stale.spared) console.log(`spared run ${run}: its users were active within ${values["older-than"] ?? "2h"} (a running canary?); stop it first, or remove it with --run ${run}`);
  }
  let errors = 0;
  for (const r of results) {
    for (const line of formatCleanup(r)) console.log(line);
    errors += r.errors.length;
  }
  console.log(`cleanup took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return errors ? 1 : 0;
}
