import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/config/paths.ts";

// Ctrl-C while `mxaccept run` starts its reference instance: the run ends non-zero and leaves no Synapse running.
describe("an interrupted run", () => {
  it("stops the instance it started, even when interrupted during start-up", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-int-"));
    const child = spawn(process.execPath, [join(projectRoot(), "bin", "mxaccept.js"), "run", "--suite", "messaging"], {
      cwd: projectRoot(),
      env: { ...process.env, MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const pids: number[] = [];
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      for (const m of d.toString().matchAll(/started hs\d \(\S+\) pid (\d+)/g)) pids.push(Number(m[1]));
      if (pids.length === 3 && !child.killed) child.kill("SIGINT");
    });
    const code = await exited;
    expect(pids, stderr).toHaveLength(3);
    expect(code, stderr).not.toBe(0);
    expect(stderr).toMatch(/interrupted \(SIGINT\)/);
    expect(stderr).toMatch(/stopped the reference instance started for this run/);
    for (const pid of pids) {
      const alive = existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("synapse");
      expect(alive, `Synapse pid ${pid} is gone`).toBe(false);
    }
    expect(existsSync(join(dir, "state", "stack.json"))).toBe(false);
  });
});
