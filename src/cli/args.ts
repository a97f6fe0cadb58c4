import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../config/errors.ts";
import { commandHelp } from "./help.ts";

/** `--help` / `-h` was given: main prints `text` to stdout and exits 0. */
export class HelpRequested extends Error {
  readonly text: string;
  constructor(text: string) {
    super("help requested");
    this.text = text;
  }
}

/** parseArgs with one-line errors; `--help` or `-h` anywhere prints the command's usage with every option explained. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, usage: string) {
  if (args.some((a) => a === "--help" || a === "-h")) throw new HelpRequested(commandHelp(/^mxaccept (\S+)/.exec(usage)?.[1] ?? "", options));
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]}; usage: ${usage}`);
  }
}

export const STACK_OPTIONS = {
  profile: { type: "string" },
  overlay: { type: "string" },
  "overlay-hs2": { type: "string" },
  "overlay-hs3": { type: "string" },
  with: { type: "string" },
  "time-scale": { type: "string" },
  "size-scale": { type: "string" },
  "group-limit": { type: "string" },
  "state-dir": { type: "string" },
  server: { type: "string" },
  topology: { type: "string" },
  "overlay-nginx": { type: "string" },
  "overlay-mas": { type: "string" },
} as const;

export function list(value: string | undefined): string[] | undefined {
  return value ? value.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
}

export function scale(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1) throw new UserError(`--${flag} ${value}: must be a number >= 1 (1 = the contract's figures).`);
  return n;
}
