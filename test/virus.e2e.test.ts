import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mxaccept } from "./helpers/cli.ts";
import type { Results } from "../src/report/results.ts";

/**
 * Both directions for BUM-2.3: instances whose scanner does not scan fail it; an instance that also scans at
 * upload time (so the homeserver never holds, let alone serves, the infected plain file) passes it.
 */

function resultsIn(reports: string): Results {
  const [runId] = readdirSync(reports);
  if (!runId) throw new Error("the run wrote no report");
  return JSON.parse(readFileSync(join(reports, runId, "results.json"), "utf8")) as Results;
}

function virusIds(results: Results) {
  return results.requirements.filter((r) => r.id === "BUM-2.3");
}

describe("virus checks fail an instance whose scanner does not scan", () => {
  // One reference instance with its content scanner for both directions (npm test's passing run of the virus suite):
  // as a target it passes BUM-2.3; the same target with MXACCEPT_SCANNER_URL pointing at the homeserver fails it.
  it("the reference with its scanner passes BUM-2.3 as a target; with MXACCEPT_SCANNER_URL the homeserver itself (media unscanned) it fails", { timeout: 900_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-virus-"));
    const env = { MXACCEPT_STATE_DIR: join(dir, "state") };
    const up = await mxaccept(["stack", "up", "--with", "scanner"], env);
    try {
      expect(up.code, up.stderr).toBe(0);
      const good = join(dir, "state", "target.env");
      const pass = await mxaccept(["run", "--target", good, "--suite", "virus"], { ...env, MXACCEPT_REPORTS_DIR: join(dir, "reports-good") }, 600_000);
      const [ok] = virusIds(resultsIn(join(dir, "reports-good")));
      expect(ok?.status, `BUM-2.3 on the conforming reference: ${ok?.reason ?? ""} ${pass.stderr.slice(-1500)}`).toBe("passed");
      expect(pass.code).toBe(0);

      const text = readFileSync(good, "utf8");
      const base = /^MXACCEPT_BASE_URL=(.*)$/m.exec(text)![1]!;
      const partnerBase = /^MXACCEPT_PARTNER_BASE_URL=(.*)$/m.exec(text)![1]!;
      const broken = join(dir, "unscanned.env");
      writeFileSync(broken, text.replace(/^MXACCEPT_SCANNER_URL=.*$/m, `MXACCEPT_SCANNER_URL=${base}`).replace(/^MXACCEPT_PARTNER_SCANNER_URL=.*$/m, `MXACCEPT_PARTNER_SCANNER_URL=${partnerBase}`), { mode: 0o600 });
      const run = await mxaccept(["run", "--target", broken, "--suite", "virus"], { ...env, MXACCEPT_REPORTS_DIR: join(dir, "reports") }, 600_000);
      expect(run.code).toBe(1);
      const [req] = virusIds(resultsIn(join(dir, "reports")));
      expect(req?.status).toBe("failed");
      expect(req?.reason).toMatch(/refused as not clean|scan result|through the scanner/);
    } finally {
      await mxaccept(["stack", "down"], env);
    }
  });

  it("a scanner whose scan script always says clean fails BUM-2.3", { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-virus-"));
    const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports"), MXACCEPT_SCANNER_BYPASS: "1" };
    const run = await mxaccept(["run", "--suite", "virus", "--with", "scanner"], env, 600_000);
    expect(run.code).toBe(1);
    const results = resultsIn(env.MXACCEPT_REPORTS_DIR);
    const [req] = virusIds(results);
    expect(req?.status).toBe("failed");
    expect(req?.reason).toMatch(/refused as not clean|scan result|does not serve a file it could not scan/);
    // Only the virus requirement is affected.
    expect(results.requirements.filter((r) => r.status === "failed").map((r) => r.id)).toEqual(["BUM-2.3"]);
  });
});

describe("virus checks pass an instance that blocks infected files at upload", () => {
  it("a homeserver that asks clamd at upload time (a Synapse module in front of the media store) passes BUM-2.3, infected plain files refused at upload", { timeout: 900_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-virus-"));
    const state = join(dir, "state");
    const env = { MXACCEPT_STATE_DIR: state, MXACCEPT_REPORTS_DIR: join(dir, "reports") };
    // hs1 refuses infected uploads through stack/modules/mxaccept_upload_scan.py, asking the reference's clamd
    // (its socket is in the state folder's scanner part). The overlay's module list replaces the generated one
    // (the retention clock and the group size limit), which the virus suite does not use.
    const overlay = join(dir, "upload-scan.yaml");
    writeFileSync(overlay, [
      "modules:",
      "  - module: mxaccept_upload_scan.UploadScan",
      "    config:",
      `      clamd_socket: ${JSON.stringify(join(state, "scanner", "clamd.sock"))}`,
      "",
    ].join("\n"));
    const run = await mxaccept(["run", "--suite", "virus", "--with", "scanner", "--overlay", overlay], env, 900_000);
    const results = resultsIn(env.MXACCEPT_REPORTS_DIR);
    const [req] = virusIds(results);
    expect(req?.status, `${req?.reason ?? ""} ${run.stderr.slice(-2000)}`).toBe("passed");
    expect(run.code).toBe(0);
    // The plain infected files never reached the room: the homeserver refused them at upload.
    expect(JSON.stringify(req?.evidence)).toMatch(/refused at upload by the homeserver/);
    expect(JSON.stringify(req?.evidence)).not.toMatch(/served past the scanner|serves an unencrypted infected file/);
  });
});
