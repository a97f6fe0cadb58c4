import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Looks for secrets in every file below `dir`: the target file's own secrets (every *_TOKEN and *_SECRET value),
 * anything shaped like a Synapse access token (syt_…), and passwords as the harness makes them (randomPassword).
 */
export function secretsIn(dir: string, targetFileText: string): { hits: string[]; checked: { files: number; secrets: number } } {
  const known = [...targetFileText.matchAll(/^MXACCEPT_\w+_(?:TOKEN|SECRET)=(.+)$/gm)].map((m) => m[1]!.trim()).filter((s) => s.length >= 8);
  const shapes = [/syt_[A-Za-z0-9]+_[A-Za-z0-9]{10,}_[A-Za-z0-9]+/, /Mx-[A-Za-z0-9_-]{16}9a!/];
  const hits: string[] = [];
  let files = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      files++;
      const text = readFileSync(p).toString("latin1");
      for (const s of known) if (text.includes(s)) hits.push(`${p}: a secret of the target file`);
      for (const re of shapes) {
        const m = re.exec(text);
        if (m) hits.push(`${p}: ${m[0].slice(0, 8)}… (${re.source.startsWith("syt") ? "access token" : "password"})`);
      }
    }
  };
  walk(dir);
  return { hits, checked: { files, secrets: known.length } };
}
