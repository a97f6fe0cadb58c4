import { parseArgs } from "node:util";
import { UserError } from "../config/errors.ts";
import { ensure, formatDuration } from "../stack/install.ts";
import { INSTALLABLES } from "./registry.ts";

/**
 * `npm run setup -- --all | --list | KEY…`: installs parts of the embedded reference instance ahead of their first
 * use (scripts/setup.sh has brought Node and the npm dependencies already). Without arguments it only says what
 * is installed. Exit 1 when a requested part could not be installed (each says in one line what to do).
 */
const USAGE = `npm run setup [-- --all | --list | KEY …]
  (nothing)  Node >= 22 and the npm dependencies only: enough for mxaccept run --target, report, sla, bill, cleanup, probe
  --all      also every part of the embedded reference instance (what the project's own CI runs)
  --list     what each part is for and whether it is installed
  KEY …      the named parts: ${INSTALLABLES.map((e) => e.key).join(", ")}`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { all: { type: "boolean" }, list: { type: "boolean" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]}; usage: ${USAGE.split("\n")[0]}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(`usage: ${USAGE}`);
    return 0;
  }
  const unknown = positionals.find((k) => !INSTALLABLES.some((e) => e.key === k));
  if (unknown) throw new UserError(`unknown part "${unknown}": choose from ${INSTALLABLES.map((e) => e.key).join(", ")}.`);
  if (values.list || (!values.all && positionals.length === 0)) {
    if (!values.list) return 0;
    for (const e of INSTALLABLES) console.log(`${(await e.installable.present()) ? "installed" : "missing  "}  ${e.key.padEnd(15)} ${e.installable.name}: ${e.neededBy}`);
    return 0;
  }
  const chosen = values.all ? INSTALLABLES : INSTALLABLES.filter((e) => positionals.includes(e.key));
  const t0 = performance.now();
  let failed = 0;
  for (const e of chosen) {
    try {
      await ensure(e.installable);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      console.error(`mxaccept setup: ${e.key}: ${err.message}`);
      failed++;
    }
  }
  console.error(`setup: ${chosen.length - failed} of ${chosen.length} parts ready in ${formatDuration(performance.now() - t0)}${failed ? `; ${failed} could not be installed (above), only what needs them is affected` : ""}`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`mxaccept setup: ${e instanceof UserError ? e.message : `unexpected error: ${(e as Error)?.stack ?? String(e)}`}`);
    process.exit(e instanceof UserError ? e.exitCode : 70);
  },
);
