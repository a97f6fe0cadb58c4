import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mxaccept } from "./helpers/cli.ts";

/**
 * mxaccept load against the embedded reference instance, both engines, both directions: at the profile's agreed
 * load `--verdict` passes, and with a target the instance cannot meet it fails (exit 1, the missed target named).
 * The passing runs give the targets 5× headroom: this machine's cores are shared, and the test proves the
 * verdict, not the instance's speed (figures come from scripts/bench-load.ts).
 */
const dir = mkdtempSync(join(tmpdir(), "mxa-load-"));
const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
const SHORT = ["--duration", "3s", "--warmup", "1s", "--users", "4"];
const ROOMY = ["--send-p99-ms", "5000", "--delivery-p99-ms", "10000"];

function report(stdout: string): Record<string, unknown> {
  const file = /report: (\S+load\.json)/.exec(stdout)?.[1];
  expect(file, stdout).toBeDefined();
  return JSON.parse(readFileSync(file!, "utf8")) as Record<string, unknown>;
}

describe.sequential("mxaccept load", () => {
  beforeAll(async () => {
    const up = await mxaccept(["stack", "up"], env);
    expect(up.code, up.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  for (const engine of ["autocannon", "k6"]) {
    test(`${engine}: --verdict passes at the agreed load, with delivery measured and the users cleaned up`, async () => {
      const run = await mxaccept(["load", "--verdict", "--engine", engine, ...SHORT, ...ROOMY], env);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/verdict: PASS/);
      const r = report(run.stdout) as { levels: { request: { rate: number; ok: number; valid: boolean }; delivery: { delivered: number; lost: number } }[] };
      expect(r.levels[0]!.request.rate).toBe(10);
      expect(r.levels[0]!.request.valid).toBe(true);
      expect(r.levels[0]!.request.ok).toBeGreaterThanOrEqual(28);
      expect(r.levels[0]!.delivery.delivered).toBe(r.levels[0]!.request.ok);
      expect(run.stderr).toMatch(/cleanup localhost:\d+: 5 users deactivated and erased, 1 rooms purged/);
    }, 180_000);

    test(`${engine}: --verdict fails when chat misses the latency target`, async () => {
      const run = await mxaccept(["load", "--verdict", "--engine", engine, ...SHORT, "--send-p99-ms", "1", "--delivery-p99-ms", "1"], env);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
      expect(run.stdout).toMatch(/verdict: FAIL/);
      expect(run.stdout).toMatch(/p99 \d+ ms above 1 ms/);
    }, 180_000);
  }

  test("refuses a target that is not on loopback", async () => {
    const envFile = join(dir, "remote.env");
    writeFileSync(envFile, "MXACCEPT_BASE_URL=https://matrix.example.org\nMXACCEPT_SERVER_NAME=example.org\nMXACCEPT_ADMIN_TOKEN=syt_not_a_real_token\n");
    const run = await mxaccept(["load", "--target", envFile, "--scenario", "send"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a loopback address.*--allow-remote/);
  });
});
