import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monthInterval } from "../src/report/sla.ts";
import { mxaccept } from "./helpers/cli.ts";

// `mxaccept sla` and `mxaccept probe` as a user meets them: verdicts with exit codes, one-line errors.
const dir = mkdtempSync(join(tmpdir(), "mxa-sla-"));
const log = join(dir, "probes.jsonl");
const april = monthInterval("2026-04");
const lines: string[] = [];
for (let t = april.start; t < april.end; t += 60_000) {
  const down = t >= april.start + 86_400_000 && t < april.start + 86_400_000 + 50 * 60_000; // 50 minutes down on 2 April
  lines.push(JSON.stringify({ ts: new Date(t).toISOString(), ok: !down, latencyMs: 150, intervalMs: 60_000, ...(down ? { error: "connect" } : {}) }));
}
writeFileSync(log, `${lines.join("\n")}\n`);
const calendar = join(dir, "maintenance.yaml");
writeFileSync(calendar, "- { start: 2026-04-02T00:00:00+02:00, end: 2026-04-02T00:35:00+02:00, kind: maintenance, note: update }\n");
const env = { MXACCEPT_STATE_DIR: join(dir, "state") };

describe("mxaccept sla", () => {
  it("misses 99.9 % with 50 outage minutes (exit 1), meets 97 % (exit 0), and a maintenance window brings 99.9 % back", { timeout: 60_000 }, async () => {
    const bum = await mxaccept(["sla", "--probes", log, "--month", "2026-04", "--rules-out", join(dir, "rules.yaml")], env);
    expect(bum.code).toBe(1);
    expect(bum.stdout).toMatch(/service 43200 min, outage 50 min/);
    expect(bum.stdout).toMatch(/availability 99\.884 % against 99\.900 %: NOT met/);
    expect(bum.stdout).toMatch(/error budget 43\.2 min, remaining -6\.8 min/);
    expect(readFileSync(join(dir, "rules.yaml"), "utf8")).toMatch(/> 0\.0144/);
    const vsm = await mxaccept(["sla", "--probes", log, "--month", "2026-04", "--profile", "vodafone-secure-messenger"], env);
    expect(vsm.code).toBe(0);
    expect(vsm.stdout).toMatch(/against 97\.000 %: met/);
    const excused = await mxaccept(["sla", "--probes", log, "--month", "2026-04", "--maintenance", calendar, "--target-availability", "99.9%"], env);
    expect(excused.stdout).toMatch(/outage 15 min \(50 before excused events\)/);
    expect(excused.code).toBe(0);
  });

  const cases: [string, string[], RegExp][] = [
    ["no --probes", ["sla"], /--probes is required/],
    ["a missing log", ["sla", "--probes", join(dir, "nope.jsonl")], /probe log .*nope\.jsonl not found: run 'mxaccept probe/],
    ["a bad month", ["sla", "--probes", log, "--month", "2026-13"], /--month 2026-13: write YYYY-MM/],
    ["a bad target", ["sla", "--probes", log, "--target-availability", "1.5"], /must be a fraction such as 0\.999/],
    ["a calendar without offsets", ["sla", "--probes", log, "--maintenance", join(dir, "local.yaml")], /not a time with offset/],
    ["probe without target or instance", ["probe"], /no --target given and no reference instance is running/],
    ["probe with a bad interval", ["probe", "--interval", "soon"], /--interval: "soon" is not a duration/],
    ["probe with a bad count", ["probe", "--count", "0"], /--count 0: must be a whole number of probes, 1 or more/],
  ];
  writeFileSync(join(dir, "local.yaml"), "- { start: 2026-04-02T01:00:00, end: 2026-04-02T02:00:00 }\n");
  for (const [what, args, message] of cases) {
    it(`${what}: one line, non-zero exit`, { timeout: 60_000 }, async () => {
      const r = await mxaccept(args, env);
      expect(r.code).not.toBe(0);
      const errLines = r.stderr.trim().split("\n");
      expect(errLines, r.stderr).toHaveLength(1);
      expect(errLines[0]).toMatch(/^mxaccept: /);
      expect(errLines[0]).toMatch(message);
    });
  }
});
