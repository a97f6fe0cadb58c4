import { join } from "node:path";
import { reportsDir } from "./paths.ts";
import { newRunId } from "./run-id.ts";

/**
 * What `mxaccept run` hands to Playwright (main process, reporter and workers) through the environment:
 * the target file, profile, run id, report folder and selection. Read in one place.
 */
export interface RunContext {
  targetFile: string;
  profile: string;
  runId: string;
  reportDir: string;
  suites?: string[];
  grep?: string;
}

export const ENV = {
  target: "MXACCEPT_TARGET",
  profile: "MXACCEPT_RUN_PROFILE",
  runId: "MXACCEPT_RUN_ID",
  reportDir: "MXACCEPT_RUN_REPORT_DIR",
  suites: "MXACCEPT_SUITES",
  grep: "MXACCEPT_GREP",
} as const;

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const targetFile = env[ENV.target];
  if (!targetFile) throw new Error(`${ENV.target} is not set: start scenarios with 'mxaccept run', not with playwright directly`);
  const runId = env[ENV.runId] ?? newRunId();
  env[ENV.runId] = runId;
  return {
    targetFile,
    profile: env[ENV.profile] ?? "managed-bundesmessenger",
    runId,
    reportDir: env[ENV.reportDir] ?? join(reportsDir(), runId),
    suites: env[ENV.suites] ? env[ENV.suites]!.split(",").filter(Boolean) : undefined,
    grep: env[ENV.grep] || undefined,
  };
}

export function contextEnv(ctx: RunContext): Record<string, string> {
  return {
    [ENV.target]: ctx.targetFile,
    [ENV.profile]: ctx.profile,
    [ENV.runId]: ctx.runId,
    [ENV.reportDir]: ctx.reportDir,
    ...(ctx.suites ? { [ENV.suites]: ctx.suites.join(",") } : {}),
    ...(ctx.grep ? { [ENV.grep]: ctx.grep } : {}),
  };
}
