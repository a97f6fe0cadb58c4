import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import type { CliResult } from "./cli.ts";

/**
 * Asserts what a user meets on bad input: a non-zero exit, exactly one error line (the last one; commands that
 * start servers may print progress before it) saying what is wrong, and no stack trace. Returns the line.
 */
export function expectOneLineError(r: CliResult, message: RegExp, opts: { progress?: boolean } = {}): string {
  expect(r.code, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split("\n");
  if (!opts.progress) expect(lines, r.stderr).toHaveLength(1);
  const errors = lines.filter((l) => l.startsWith("mxaccept: "));
  expect(errors, r.stderr).toHaveLength(1);
  expect(lines.at(-1)).toBe(errors[0]);
  expect(errors[0]).toMatch(message);
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at \S|Traceback \(most recent|File "[^"]+", line \d+/);
  return errors[0]!;
}

/** Pids of live processes whose command line or environment mention `marker` (e.g. a test's own state folder). */
export function processesMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    for (const f of ["cmdline", "environ"]) {
      try {
        if (readFileSync(`/proc/${name}/${f}`).includes(marker)) {
          pids.push(Number(name));
          break;
        }
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return pids;
}
