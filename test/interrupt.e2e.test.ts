import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, existsSync, readFileSync, readdirSync } from "node:fs";
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

  it("stops the parts still starting in the background (the content scanner) and the homeservers, leaving nothing of the instance running", { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-int-"));
    const child = spawn(process.execPath, [join(projectRoot(), "bin", "mxaccept.js"), "run", "--suite", "virus"], {
      cwd: projectRoot(),
      env: { ...process.env, MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      // The first process of the scanner, started after the homeservers: the scanner is still starting.
      if (/started scanner: .* pid \d+/.test(stderr) && !child.killed) child.kill("SIGINT");
    });
    const code = await exited;
    expect(stderr).toMatch(/reference instance up in .* \(scanner still starting/);
    expect(code, stderr).not.toBe(0);
    expect(stderr).toMatch(/stopped the reference instance started for this run/);
    // Nothing started from the run's state folder runs any more (Synapse, clamd, the content scanners, their TLS proxies).
    const ours = () => readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(join(dir, "state"));
      } catch {
        return false;
      }
    });
    const deadline = Date.now() + 20_000;
    while (ours().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(ours(), stderr).toEqual([]);
    expect(existsSync(join(dir, "state", "stack.json"))).toBe(false);
    expect(existsSync(join(dir, "state", "parts-ready.json"))).toBe(false);
  });
});
