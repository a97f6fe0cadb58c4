import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../../src/report/results.ts";
import { projectRoot } from "../../src/config/paths.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end and collects its output; a command that cannot be started ends with 127 (as a shell
 * says), one that overruns `timeoutMs` is stopped and rejects with its stderr.
 */
export function spawnCollect(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? projectRoot(), env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`${[cmd, ...args].join(" ")} did not finish in ${opts.timeoutMs} ms\n${stderr}`));
    }, opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Runs the mxaccept CLI as a user would (through bin/mxaccept.js), with extra environment. */
export function mxaccept(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<CliResult> {
  return spawnCollect(process.execPath, [join(projectRoot(), "bin", "mxaccept.js"), ...args], { env: { ...process.env, ...env }, timeoutMs });
}

/**
 * Starts the reference instance for one run with an overlay on hs1, runs the given suites, and returns the
 * exit code and results.json: the harness's check in the other direction.
 */
export async function runWithOverlayOn(suites: string, overlayYaml: string, args: string[], timeoutMs?: number): Promise<{ code: number; results: Results; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "mxa-overlay-"));
  const overlay = join(dir, "overlay.yaml");
  writeFileSync(overlay, overlayYaml);
  const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
  const run = await mxaccept(["run", "--suite", suites, "--overlay", overlay, ...args], env, timeoutMs);
  const [runId] = readdirSync(join(dir, "reports"));
  if (!runId) throw new Error(`the run wrote no report: ${run.stderr}`);
  const results = JSON.parse(readFileSync(join(dir, "reports", runId, "results.json"), "utf8")) as Results;
  return { code: run.code, results, stderr: run.stderr };
}
