import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * VSM-2.1.cross-tenant ("off by default, enabled by the tenant admin") on a target that is not the reference: the
 * harness cannot switch the tenants there, so a run observes one half (refused while off, or the shared room while
 * on) and must leave the requirement incomplete, naming the run that observes the other half, never passed.
 * The reference's own tenants stand in for a staging deployment: its target file, declared as a foreign target
 * (MXACCEPT_EMBEDDED=0, so no reference controls), with the state the tenants really have.
 */
describe("VSM-2.1.cross-tenant on a target: each declared state alone leaves the requirement incomplete", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-xtenant-"));
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  let embedded = "";

  // The BuM reference keeps hs1 and hs2 allowlisted to each other: a staging deployment whose partner is enabled.
  beforeAll(async () => {
    const up = await mxaccept(["stack", "up", "--profile", "managed-bundesmessenger"], env);
    expect(up.code, up.stderr).toBe(0);
    embedded = readFileSync(join(dir, "state", "target.env"), "utf8");
    mkdirSync(env.MXACCEPT_REPORTS_DIR, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  const runAs = async (crossTenant: "on" | "off") => {
    const file = join(dir, `target-${crossTenant}.env`);
    writeFileSync(file, embedded.replace(/^MXACCEPT_EMBEDDED=.*$/m, "MXACCEPT_EMBEDDED=0").replace(/^MXACCEPT_CROSS_TENANT=.*$/m, `MXACCEPT_CROSS_TENANT=${crossTenant}`));
    const before = new Set(readdirSync(join(dir, "reports"), { withFileTypes: true }).map((d) => d.name));
    const run = await mxaccept(["run", "--target", file, "--profile", "vodafone-secure-messenger", "--suite", "federation", "--grep", "VSM-2\\.1\\.cross-tenant"], env);
    const runId = readdirSync(join(dir, "reports")).find((d) => !before.has(d));
    if (!runId) throw new Error(`the run wrote no report: ${run.stderr}`);
    const results = JSON.parse(readFileSync(join(dir, "reports", runId, "results.json"), "utf8")) as Results;
    return { run, req: results.requirements.find((r) => r.id === "VSM-2.1.cross-tenant")! };
  };

  it("declared on, the partner enabled: the shared room works, but 'off by default' was not observed: incomplete", { timeout: 300_000 }, async () => {
    const { run, req } = await runAs("on");
    // The check ran, saw the shared room work (its evidence) and declared the other half unobserved.
    expect(req.tests.find((t) => t.status !== "skipped" && t.status !== "not-run")?.status, run.stderr.slice(-2000)).toBe("inconclusive");
    expect(JSON.stringify(req.evidence)).toMatch(/"shared":\{"roomId":"![^"]+","messages":\[/);
    expect(req.status).toBe("incomplete");
    expect(req.reason).toMatch(/off by default and enabled by the tenant admin was not observed/);
    expect(run.code).toBe(0);
  });

  it("declared off while the partner is in fact enabled: the invite is not refused, so the check fails", { timeout: 300_000 }, async () => {
    const { run, req } = await runAs("off");
    expect(req.status, run.stderr.slice(-2000)).toBe("failed");
    expect(run.code).toBe(1);
  });
});
