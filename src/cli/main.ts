import { UserError } from "../config/errors.ts";
import { stackCommand } from "./stack.ts";
import { runCommand } from "./run.ts";
import { cleanupCommand } from "./cleanup.ts";
import { billCommand } from "./bill.ts";
import { reportCommand } from "./report.ts";
import { probeCommand } from "./probe.ts";
import { slaCommand } from "./sla.ts";
import { loadCommand } from "./load.ts";

const HELP = `mxaccept: conformance and load test harness for Matrix messenger instances

  mxaccept stack up|down|status|compose [--profile ID] [--overlay F] [--overlay-hs2 F] [--overlay-hs3 F] [--time-scale N] [--size-scale N]
  mxaccept run      [--target F.env] [--profile ID] [--suite a,b] [--grep RE] [--keep-data] [--workers N] [stack options]
  mxaccept cleanup  [--target F.env] (--run ID | --stale [--older-than 2h])
  mxaccept bill     [--profile ID] (--users N --storage-gb G | --target F.env)
  mxaccept report   [--run ID] [--pdf | --no-pdf] [--allure [--allure-history DIR]]
  mxaccept probe    [--target F.env] [--interval 60s] [--duration 1h] [--deadline 30s] [--out F] [--metrics-port N]
  mxaccept sla      --probes F [--maintenance F] [--month YYYY-MM | --from ISO --to ISO] [--target-availability 0.999 | --profile ID] [--bucket 1m] [--rules-out F] [--json]
  mxaccept load     [--target F.env] --scenario send|sync|login|media [--rate N | --rates N,N,…] [--duration D] [--engine autocannon|k6] [--users N] [--across-federation] [--verdict]

Without --target, run uses the running reference instance, or starts one for the run and stops it afterwards.
Profiles: managed-bundesmessenger (default), vodafone-secure-messenger. See README.md.`;

const PLANNED: Record<string, string> = {};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "stack":
      return stackCommand(rest);
    case "run":
      return runCommand(rest);
    case "cleanup":
      return cleanupCommand(rest);
    case "bill":
      return billCommand(rest);
    case "report":
      return reportCommand(rest);
    case "probe":
      return probeCommand(rest);
    case "sla":
      return slaCommand(rest);
    case "load":
      return loadCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return cmd === undefined ? 2 : 0;
    default:
      if (cmd in PLANNED) throw new UserError(`'mxaccept ${cmd}' (${PLANNED[cmd]}) is not available in this version yet; see README.md for what is.`);
      throw new UserError(`unknown command "${cmd}": run 'mxaccept help' for the commands.`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UserError) {
      console.error(`mxaccept: ${e.message}`);
      process.exit(e.exitCode);
    }
    const err = e as Error;
    console.error(`mxaccept: unexpected error: ${err?.message ?? String(e)} (set MXACCEPT_DEBUG=1 for details; please report it)`);
    if (process.env.MXACCEPT_DEBUG === "1") console.error(err?.stack);
    process.exit(70);
  },
);
