import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { loadTarget } from "../src/config/target.ts";
import { mxaccept } from "./helpers/cli.ts";
import { serveFolder } from "./helpers/serve-folder.ts";
import { forward } from "./helpers/split-proxy.ts";

/**
 * BUM-2.7.app's browser journey in both directions, in a real synapse-admin: the reference instance with the app
 * served on loopback passes every step of the journey; the same instance seen by the app through a proxy that
 * refuses one admin API function fails the check with a reason naming that step: refused file deletion leaves every
 * other step done; a refused grant leaves the two steps that need it "not done" and the rest done. synapse-admin cannot be in CI (its source is brought and built beside the project, never
 * committed): MXACCEPT_TEST_SYNAPSE_ADMIN_DIR names the folder of its build (the one holding index.html); without
 * it this suite is skipped.
 */
const appDir = process.env.MXACCEPT_TEST_SYNAPSE_ADMIN_DIR;
const TITLE = "BUM-2.7.app application management portal in the browser";

describe.skipIf(!appDir)("BUM-2.7.app browser journey in synapse-admin (needs MXACCEPT_TEST_SYNAPSE_ADMIN_DIR: the folder of a synapse-admin build)", () => {
  let dir = "";
  const env = () => ({ MXACCEPT_STATE_DIR: join(dir, "state") });
  /** Which admin API request the portal's proxy refuses (none: it forwards everything). */
  let refuse: ((method: string, path: string) => boolean) | undefined;
  let app: http.Server;
  let proxy: http.Server;
  let targetFile = "";

  beforeAll(async () => {
    expect(existsSync(join(appDir!, "index.html")), `MXACCEPT_TEST_SYNAPSE_ADMIN_DIR=${appDir} holds no index.html: name the folder of the built app (its dist/)`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), "mxa-portal-"));
    const up = await mxaccept(["stack", "up"], env());
    expect(up.code, up.stderr).toBe(0);
    const target = loadTarget(join(dir, "state", "target.env"));
    const hs1 = target.baseUrl;
    const ca = readFileSync(target.caFile!);
    app = await serveFolder(appDir!);
    // The portal's way to the admin API (MXACCEPT_ADMIN_API_URL): forwards to hs1, except what `refuse` names,
    // which it answers as an ingress that does not route it would (404 M_UNRECOGNIZED; not 401/403, on which
    // synapse-admin logs out and every later step would fail as well).
    proxy = http.createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      if (refuse?.(req.method ?? "GET", path)) {
        res.writeHead(404, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" }).end('{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}');
        return;
      }
      forward(req, res, hs1, { ca });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    targetFile = join(dir, "portal.env");
    writeFileSync(targetFile, `${readFileSync(join(dir, "state", "target.env"), "utf8")}\nMXACCEPT_APP_PORTAL_URL=http://127.0.0.1:${(app.address() as AddressInfo).port}\nMXACCEPT_ADMIN_API_URL=http://127.0.0.1:${(proxy.address() as AddressInfo).port}\n`);
  }, 240_000);
  afterAll(async () => {
    app?.close();
    proxy?.close();
    if (dir) await mxaccept(["stack", "down"], env());
  });

  const journey = async (reports: string) => {
    const r = await mxaccept(["run", "--target", targetFile, "--suite", "portals", "--grep", "in the browser"], { ...env(), MXACCEPT_REPORTS_DIR: join(dir, reports) }, 900_000);
    const [runId] = readdirSync(join(dir, reports));
    expect(runId, `the run wrote no report: ${r.stderr}`).toBeDefined();
    const results = JSON.parse(readFileSync(join(dir, reports, runId!, "results.json"), "utf8")) as Results;
    const req = results.requirements.find((q) => q.id === "BUM-2.7.app")!;
    const check = req.tests.find((t) => t.title.includes(TITLE))!;
    expect(check, `results.json has no "${TITLE}" check under BUM-2.7.app`).toBeDefined();
    const ev = req.evidence.find((e) => e && typeof e === "object" && "steps" in e) as { steps: Record<string, string>; failures: string[]; journeyMs: number } | undefined;
    return { code: r.code, req, check, ev };
  };

  it("a conforming portal does every step; the check stays inconclusive only for the configuration synapse-admin cannot show", { timeout: 900_000 }, async () => {
    refuse = undefined;
    const { check, ev } = await journey("reports-conforming");
    expect(check.status, check.reason).toBe("inconclusive");
    expect(check.reason).toMatch(/the portal shows no server configuration \(synapse-admin has no view of the server's configuration settings/);
    expect(ev?.failures, "no step failed").toEqual([]);
    expect(Object.values(ev!.steps).every((s) => s === "passed"), JSON.stringify(ev!.steps)).toBe(true);
    console.log(`synapse-admin journey, conforming: ${Math.round(ev!.journeyMs / 1000)} s, steps ${Object.keys(ev!.steps).length} passed`);
  });

  it("a portal whose admin API refuses file deletion fails the check naming that step; every other step is done", { timeout: 900_000 }, async () => {
    refuse = (method, path) => method === "DELETE" && path.startsWith("/_synapse/admin/v1/media/");
    const { code, req, check, ev } = await journey("reports-no-file-deletion");
    expect(code).toBe(1);
    expect(req.status).toBe("failed");
    expect(check.status).toBe("failed");
    expect(check.reason).toMatch(/the portal could not do 1 of its functions: delete the file: synapse-admin: delete the file: the admin API answered 404 to DELETE \/_synapse\/admin\/v1\/media\//);
    const { "delete the file": deleted, ...others } = ev!.steps;
    expect(deleted).toBe("failed");
    expect(Object.entries(others).filter(([, s]) => s !== "passed"), "every other step passed").toEqual([]);
    expect(Object.keys(others).length, "the journey has eleven steps after the login").toBe(10);
    console.log(`synapse-admin journey, file deletion refused: ${Math.round(ev!.journeyMs / 1000)} s; failed: ${ev!.failures.join("; ")}`);
  });

  it("a portal whose admin API refuses the grant fails the check naming that step; the two steps that need the grant are not done, the rest passes", { timeout: 900_000 }, async () => {
    refuse = (method, path) => method === "PUT" && path.startsWith("/_synapse/admin/v2/users/");
    const { code, req, check, ev } = await journey("reports-no-grant");
    expect(code).toBe(1);
    expect(req.status).toBe("failed");
    expect(check.status).toBe("failed");
    expect(check.reason).toMatch(/the portal could not do 1 of its functions: grant administrator rights: .*404 to PUT \/_synapse\/admin\/v2\/users\//);
    const { "grant administrator rights": granted, "list the user as administrator": listed, "revoke administrator rights": revoked, ...others } = ev!.steps;
    expect({ granted, listed, revoked }).toEqual({ granted: "failed", listed: "not done", revoked: "not done" });
    expect(Object.entries(others).filter(([, s]) => s !== "passed"), "every other step passed").toEqual([]);
    console.log(`synapse-admin journey, grant refused: ${Math.round(ev!.journeyMs / 1000)} s; failed: ${ev!.failures.join("; ")}`);
  });
});
