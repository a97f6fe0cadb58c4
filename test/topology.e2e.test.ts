import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { mxaccept } from "./helpers/cli.ts";

/**
 * Both directions on the production topology (hs1 = Synapse main process + workers behind nginx, admin API on its
 * own port): the reference passes the checks (the whole suite runs on it in `npm test`), and an nginx that breaks
 * one thing fails exactly the checks that depend on it. The break is an `--overlay-nginx` file: nginx directives
 * included first in hs1's public server block, so its locations win over the generated routing.
 */
async function runProduction(suites: string, nginxOverlay: string, args: string[] = []): Promise<{ code: number; results: Results; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mxa-topology-"));
  const overlay = join(dir, "overlay.conf");
  writeFileSync(overlay, nginxOverlay);
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  const run = await mxaccept(["run", "--topology", "production", "--suite", suites, "--overlay-nginx", overlay, ...args], env, 900_000);
  const [runId] = readdirSync(join(dir, "reports"));
  if (!runId) throw new Error(`the run wrote no report: ${run.stderr}`);
  const results = JSON.parse(readFileSync(join(dir, "reports", runId, "results.json"), "utf8")) as Results;
  return { code: run.code, results, stderr: run.stderr };
}

const requirement = (r: Results, id: string) => r.requirements.find((q) => q.id === id)!;

describe("the production topology fails a misrouted nginx", () => {
  it("the admin API served on the public client host fails SEC-admin-surface; the other security checks pass", { timeout: 900_000 }, async () => {
    const { code, results, stderr } = await runProduction("security", 'location ~ "^/_synapse/admin" { proxy_pass http://hs1_main; }\n');
    expect(stderr, "the instance was the production topology").toMatch(/client1 pid \d+, federation1 pid \d+, media1 pid \d+/);
    expect(code).toBe(1);
    const admin = requirement(results, "SEC-admin-surface");
    expect(admin.status, admin.reason).toBe("failed");
    expect(admin.reason).toMatch(/the public client URL serves the admin API \(serverVersion: 200/);
    for (const id of ["SEC-anonymous", "SEC-bruteforce", "BUM-5.3.e"]) {
      expect(requirement(results, id).status, `${id}: ${requirement(results, id).reason ?? ""}`).toBe("passed");
    }
  });

  it("/sync routed to the media worker (which does not serve it) fails the messaging checks that sync, with the HTTP status in the reason", { timeout: 900_000 }, async () => {
    const { code, results } = await runProduction("messaging", 'location ~ "^/_matrix/client/(r0|v3)/sync$" { proxy_pass http://hs1_media; }\n', ["--grep", "BUM-2.1.a1|BUM-2.1.b "]);
    expect(code).toBe(1);
    for (const id of ["BUM-2.1.a1", "BUM-2.1.b"]) {
      const r = requirement(results, id);
      expect(r.status, `${id}: ${r.reason ?? ""}`).toBe("failed");
      expect(r.reason, id).toMatch(/\/sync failed with HTTP 404/);
    }
  });
});
