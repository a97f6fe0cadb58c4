import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../config/errors.ts";

/** parseArgs with one-line errors. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, usage: string) {
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
  topology: { type: "string" },
  "overlay-nginx": { type: "string" },
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
