import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { freePort } from "../src/stack/ports.ts";
import { mxaccept, runWithOverlayOn } from "./helpers/cli.ts";

// The identity and portal checks in the other direction: a broken OIDC provider fails BUM-2.4, an unreachable
// admin API fails BUM-2.7.app (not skipped, not passed).

describe("identity checks fail a broken instance", () => {
  it("with a wrong OIDC client secret on hs1, BUM-2.4 fails and says why", { timeout: 900_000 }, async () => {
    const overlay = "oidc_providers:\n  - idp_id: keycloak\n    client_secret: wrong-secret-for-the-self-test\n";
    const { code, results } = await runWithOverlayOn("identity", overlay, ["--grep", "BUM-2.4 SSO login"], 840_000);
    expect(code).toBe(1);
    const req = results.requirements.find((r) => r.id === "BUM-2.4")!;
    expect(req.status).toBe("failed");
    expect(req.reason).toMatch(/did not come back with a login token: the homeserver showed an error/);
  });
});

describe("portal checks fail a target whose admin API does not answer", () => {
  const dir = mkdtempSync(join(tmpdir(), "mxa-portal-"));
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  it("with MXACCEPT_ADMIN_API_URL unreachable, BUM-2.7.app fails", { timeout: 600_000 }, async () => {
    const up = await mxaccept(["stack", "up"], env);
    expect(up.code, up.stderr).toBe(0);
    const targetFile = join(dir, "state", "target.env");
    const broken = join(dir, "broken.env");
    writeFileSync(broken, `${readFileSync(targetFile, "utf8")}MXACCEPT_ADMIN_API_URL=https://127.0.0.1:${await freePort()}\n`);
    const run = await mxaccept(["run", "--target", broken, "--suite", "portals", "--grep", "BUM-2\\.7\\.app portal API"], env, 540_000);
    expect(run.code).toBe(1);
    const [runId] = readdirSync(join(dir, "reports"));
    const results = JSON.parse(readFileSync(join(dir, "reports", runId!, "results.json"), "utf8")) as Results;
    const req = results.requirements.find((r) => r.id === "BUM-2.7.app")!;
    expect(req.status).toBe("failed");
    expect(req.reason).toMatch(/ECONNREFUSED/);
    expect(req.tests.filter((t) => t.status === "failed")).toHaveLength(4);
  });
});
