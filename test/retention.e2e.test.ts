import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { Results } from "../src/report/results.ts";
import { deepMerge, type Yamlish } from "../src/stack/overlay.ts";
import { mxaccept, runWithOverlayOn } from "./helpers/cli.ts";

/**
 * Retention in both directions, as a user meets it: each broken configuration fails exactly the id it breaks, and
 * the reference's own configuration passes all three, with the kinds of proof in the evidence.
 */
const IDS = ["BUM-2.5.messages", "BUM-2.5.local-media", "BUM-2.5.remote-media"];
const status = (r: Results, ids = IDS) => Object.fromEntries(r.requirements.filter((q) => ids.includes(q.id)).map((q) => [q.id, q.status]));
const req = (r: Results, id: string) => r.requirements.find((q) => q.id === id)!;
const proofs = (r: Results, id: string) => [...new Set((req(r, id).evidence as { proof?: string }[]).map((e) => e.proof).filter(Boolean))].sort();
const passedBut = (failed: string[]) => Object.fromEntries(IDS.map((id) => [id, failed.includes(id) ? "failed" : "passed"]));

/**
 * A target with a supplied config file: the running reference instance described as a staging target would be
 * (MXACCEPT_EMBEDDED=0, so no live backdating), and its own homeserver.yaml, changed by `overlay`, handed in
 * through MXACCEPT_HOMESERVER_CONFIG. The audit sees only fresh data (inconclusive); the config decides.
 */
describe("retention on a target with MXACCEPT_HOMESERVER_CONFIG", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-ret-"));
  const env = { MXACCEPT_STATE_DIR: join(dir, "state") };
  let n = 0;

  beforeAll(async () => {
    const up = await mxaccept(["stack", "up", "--profile", "managed-bundesmessenger"], env);
    expect(up.code, up.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  async function runAsTarget(overlay: Yamlish, profile = "managed-bundesmessenger"): Promise<{ code: number; results: Results }> {
    const i = ++n;
    const embedded = readFileSync(join(dir, "state", "target.env"), "utf8");
    const hsConfig = /^MXACCEPT_HOMESERVER_CONFIG=(.*)$/m.exec(embedded)![1]!;
    const changed = join(dir, `homeserver-${i}.yaml`);
    writeFileSync(changed, stringify(deepMerge(parse(readFileSync(hsConfig, "utf8")) as Yamlish, overlay)));
    const target = join(dir, `target-${i}.env`);
    writeFileSync(target, embedded.replace(/^MXACCEPT_EMBEDDED=.*$/m, "MXACCEPT_EMBEDDED=0").replace(/^MXACCEPT_HOMESERVER_CONFIG=.*$/m, `MXACCEPT_HOMESERVER_CONFIG=${changed}`));
    const reports = join(dir, `reports-${i}`);
    const r = await mxaccept(["run", "--target", target, "--suite", "retention", "--profile", profile], { ...env, MXACCEPT_REPORTS_DIR: reports });
    const [runId] = readdirSync(reports);
    return { code: r.code, results: JSON.parse(readFileSync(join(reports, runId!, "results.json"), "utf8")) as Results };
  }

  it("passes the reference's own configuration on all three ids, proven by config (the audit beside it not conclusive)", { timeout: 600_000 }, async () => {
    const { code, results } = await runAsTarget({});
    expect(code).toBe(0);
    expect(status(results)).toEqual(passedBut([]));
    for (const id of IDS) expect(proofs(results, id), id).toEqual(["config"]);
    // The audit saw only fresh data: not conclusive, and said so; the config proof decided.
    expect(JSON.stringify(req(results, "BUM-2.5.messages").evidence)).toMatch(/"conclusive":false,"note":"(no room stored, nothing to audit|oldest room 0 days old; conclusive from \d{4}-\d\d-\d\d)"/);
  });

  // Each rule in both directions one by one: test/retention-config.test.ts. Here two runs break one rule of each id
  // at once (three runs fewer); each id must fail with its own rule only.
  it("fails each id by the rule its configuration breaks, with key, value and contract in the reason", { timeout: 900_000 }, async () => {
    const cases: [Yamlish, Record<string, RegExp>][] = [
      [{ retention: { enabled: false }, media_retention: { local_media_lifetime: null, remote_media_lifetime: "90d" } }, {
        "BUM-2.5.messages": /retention\.enabled is false: message retention is off.*\(contract: messages deleted after 1y \(365 d\)\)/,
        "BUM-2.5.local-media": /media_retention\.local_media_lifetime is unset: such files are never deleted \(contract: files sent within the instance deleted after 90d/,
        "BUM-2.5.remote-media": /remote_media_lifetime is "90d": such files are kept 90 d \(contract: files received from federated instances deleted after 2w \(14 d\)\)/,
      }],
      [{ retention: { default_policy: { max_lifetime: "400d" }, purge_jobs: [{ longest_max_lifetime: "3d", interval: "12h" }] }, media_retention: { local_media_lifetime: "180d" } }, {
        "BUM-2.5.messages": /retention\.default_policy\.max_lifetime is "400d": messages are kept 400 d.*no purge job covers the default lifetime 400 d/,
        "BUM-2.5.local-media": /local_media_lifetime is "180d": such files are kept 180 d/,
      }],
    ];
    for (const [overlay, reasons] of cases) {
      const { code, results } = await runAsTarget(overlay);
      expect(code, JSON.stringify(overlay)).toBe(1);
      expect(status(results), JSON.stringify(overlay)).toEqual(passedBut(Object.keys(reasons)));
      for (const [id, reason] of Object.entries(reasons)) {
        expect(req(results, id).reason, id).toMatch(reason);
        // Only its own rules: no other id's key in the reason.
        const keys: Record<string, string[]> = { "BUM-2.5.messages": ["retention.enabled", "retention.default_policy", "retention.purge_jobs", "retention.allowed"], "BUM-2.5.local-media": ["local_media_lifetime"], "BUM-2.5.remote-media": ["remote_media_lifetime"] };
        for (const key of IDS.filter((o) => o !== id).flatMap((o) => keys[o]!)) expect(req(results, id).reason, `${id} names only its own rules`).not.toContain(key);
      }
    }
  });

  it("fails VSM-2.2.retention for a lifetime shorter than 30 days (content must be kept)", { timeout: 600_000 }, async () => {
    const { code, results } = await runAsTarget({ retention: { default_policy: { max_lifetime: "7d" }, allowed_lifetime_max: "7d" } }, "vodafone-secure-messenger");
    expect(code).toBe(1);
    expect(status(results, ["VSM-2.2.retention"])).toEqual({ "VSM-2.2.retention": "failed" });
    expect(req(results, "VSM-2.2.retention").reason).toMatch(/max_lifetime is "7d": messages are deleted after 7 d, before the contract's 30 d/);
  });
});

/**
 * The embedded instance at time scale 1, live: backdated data must be hidden and purged by the instance's own jobs.
 * (The passing direction is npm test's `mxaccept run --suite retention` at scale 1, per profile.)
 */
describe("retention live on the reference instance at time scale 1", () => {
  it("with message retention off, BUM-2.5.messages fails (config and live), the media ids pass", { timeout: 600_000 }, async () => {
    const { code, results } = await runWithOverlayOn("retention", "retention:\n  enabled: false\n", []);
    expect(code).toBe(1);
    expect(status(results)).toEqual(passedBut(["BUM-2.5.messages"]));
    const t = req(results, "BUM-2.5.messages");
    expect(t.reason).toMatch(/retention\.enabled is false/);
    expect(t.tests[0]!.error).toMatch(/the message past its lifetime to be served to no member/);
  });
  it("without media lifetimes, both media ids fail (config and live), messages pass", { timeout: 600_000 }, async () => {
    const { code, results } = await runWithOverlayOn("retention", "media_retention: null\n", []);
    expect(code).toBe(1);
    expect(status(results)).toEqual(passedBut(["BUM-2.5.local-media", "BUM-2.5.remote-media"]));
    for (const id of ["BUM-2.5.local-media", "BUM-2.5.remote-media"]) {
      expect(req(results, id).reason, id).toMatch(/media_retention\.(local|remote)_media_lifetime is unset/);
      expect(req(results, id).tests[0]!.error, id).toMatch(/retention job to delete the backdated/);
    }
  });
});

/** The time-scaled reference (as npm test runs it): a year is 30 s and the message expires on its own. */
describe("retention on the time-scaled reference instance", () => {
  it("with message retention disabled, BUM-2.5.messages fails on the time-scaled instance", { timeout: 300_000 }, async () => {
    const { code, results } = await runWithOverlayOn("retention", "retention:\n  enabled: false\n", ["--time-scale", "1051200", "--grep", "BUM-2.5.messages"]);
    expect(code).toBe(1);
    const t = req(results, "BUM-2.5.messages");
    expect(t.status).toBe("failed");
    expect(t.tests[0]!.error).toMatch(/the expired message to be served to no member/);
  });
});
