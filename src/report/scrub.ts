import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { redact } from "./results.ts";

/** Rewrites every text file below `dir` with the given secrets replaced; returns how many files changed. */
export function scrubSecrets(dir: string, secrets: string[]): number {
  let changed = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size < 50_000_000) {
        const buf = readFileSync(p);
        if (buf.includes(0)) continue; // binary
        const text = buf.toString("utf8");
        const out = redact(text, secrets);
        if (out !== text) {
          writeFileSync(p, out);
          changed++;
        }
      }
    }
  };
  walk(dir);
  return changed;
}
