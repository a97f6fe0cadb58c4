import { UserError } from "../config/errors.ts";
import { stackCommand } from "./stack.ts";
import { runCommand } from "./run.ts";
import { cleanupCommand } from "./cleanup.ts";
import { billCommand } from "./bill.ts";
import { reportCommand } from "./report.ts";
import { probeCommand } from "./probe.ts";
import { slaCommand } from "./sla.ts";
import { loadCommand } from "./load.ts";
import { HelpRequested } from "./args.ts";
import { topHelp } from "./help.ts";

const HELP = topHelp();

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
    if (e instanceof HelpRequested) {
      console.log(e.text);
      process.exit(0);
    }
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
