import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { trustCa } from "../src/config/trust.ts";
import { requestJson } from "../src/matrix/http.ts";
import { readState, isOurProcess } from "../src/stack/state.ts";
import { mxaccept } from "./helpers/cli.ts";

// Starts the real reference instance (three Synapse processes) with an overlay and shows the change is live.
describe("reference instance with an overlay", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "mxa-stack-"));
  const overlay = join(stateDir, "small-uploads.yaml");
  writeFileSync(overlay, "max_upload_size: 1M\n");
  const env = { MXACCEPT_STATE_DIR: stateDir };

  afterAll(async () => {
    await mxaccept(["stack", "down"], env);
  });

  it("stack up applies --overlay to hs1 only, and stack down leaves no process", { timeout: 180_000 }, async () => {
    const up = await mxaccept(["stack", "up", "--overlay", overlay], env);
    expect(up.stderr + up.stdout).toMatch(/reference instance up in/);
    expect(up.code).toBe(0);

    const state = readState(stateDir)!;
    expect(state.servers.map((s) => s.role)).toEqual(["hs1", "hs2", "hs3"]);
    const t = parseDotenv(readFileSync(state.targetFile, "utf8"));
    trustCa(t.MXACCEPT_CA_FILE!);
    const config = async (base: string, token: string) =>
      (await requestJson<Record<string, number>>(base, "GET", "_matrix/client/v1/media/config", { token })).body["m.upload.size"];
    expect(await config(t.MXACCEPT_BASE_URL!, t.MXACCEPT_ADMIN_TOKEN!)).toBe(1024 * 1024);
    expect(await config(t.MXACCEPT_PARTNER_BASE_URL!, t.MXACCEPT_PARTNER_ADMIN_TOKEN!)).toBe(50 * 1024 * 1024);

    const status = await mxaccept(["stack", "status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout.match(/healthy/g)).toHaveLength(3);

    const second = await mxaccept(["stack", "up"], env);
    expect(second.code).toBe(2);
    expect(second.stderr.trim()).toMatch(/^mxaccept: a reference instance is already running in .*: run 'mxaccept stack down' first\.$/);

    const down = await mxaccept(["stack", "down"], env);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/stopped hs1, hs2, hs3/);
    for (const s of state.servers) expect(isOurProcess(s.pid, s.config), `${s.role} pid ${s.pid} is gone`).toBe(false);
    expect(existsSync(join(stateDir, "stack.json"))).toBe(false);
  });
});
