import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * The arguments of a script run by hand (`npm run <script> -- …`, as the README shows it). `--help` or `-h` anywhere
 * prints "usage: " and `usage` (its first line is how the README runs the script) to stdout and exits 0; an unknown
 * or malformed option, or a word where the script takes none, is one line naming the usage on stderr, exit 2.
 * test/readme-commands.test.ts runs every README command's --help form.
 */
export function scriptArgs<T extends NonNullable<ParseArgsConfig["options"]>>(usage: string, options: T, opts: { positionals?: boolean; args?: string[] } = {}) {
  const args = opts.args ?? process.argv.slice(2);
  const text = usage.trim();
  if (args.some((a) => a === "--help" || a === "-h")) {
    process.stdout.write(`usage: ${text}\n`);
    process.exit(0);
  }
  const fail = (message: string): never => {
    console.error(`${message}; usage: ${text.split("\n")[0]} (--help explains)`);
    process.exit(2);
  };
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (!opts.positionals && parsed.positionals.length) fail(`unexpected argument "${parsed.positionals[0]}"`);
    return parsed;
  } catch (e) {
    return fail((e as Error).message.split("\n")[0]!);
  }
}
