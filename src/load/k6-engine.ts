import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import { projectRoot } from "../config/paths.ts";
import { childrenCpuMs, MAX_LATE_SHARE, type LoadResult } from "./engine.ts";
import type { LatencySummary } from "./histogram.ts";
import { ensure } from "../stack/install.ts";
import { k6, k6Dir } from "../stack/installables.ts";

/**
 * The k6 engine: runs the plain k6 script load/k6/matrix.js (open model, constant-arrival-rate) as a child
 * process with the profile's targets as thresholds (k6 exits 99 on a breach) and reads its JSON summary.
 * k6 is built from the Go module proxy into the user's cache the first time it is used (src/stack/installables.ts); MXACCEPT_K6 overrides.
 */
import { K6_VERSION } from "../stack/installables.ts";
export { K6_VERSION };

export function k6Binary(): string {
  if (process.env.MXACCEPT_K6) return process.env.MXACCEPT_K6;
  const built = join(k6Dir(), "k6");
  if (existsSync(built)) return built;
  throw new UserError(`k6 is not installed (looked for ${built}): run 'npm run setup -- k6' to build it, or set MXACCEPT_K6 to a k6 binary.`);
}

export interface K6Plan {
  baseUrl: string;
  scenario: string;
  rate: number;
  durationMs: number;
  warmupMs: number;
  p99Ms: number;
  maxErrorRate: number;
  /** Scenario data for the script (tokens etc.): written to a private temp file and removed afterwards. */
  data: Record<string, unknown>;
  maxVUs?: number;
  /** Extra environment (CA file for https targets). */
  env?: Record<string, string>;
}

type Metric = { values?: Record<string, number> };

export async function runK6(plan: K6Plan): Promise<LoadResult> {
  await ensure(k6);
  const bin = k6Binary();
  const dir = mkdtempSync(join(tmpdir(), "mxa-k6-"));
  const dataFile = join(dir, "data.json");
  const summaryFile = join(dir, "summary.json");
  writeFileSync(dataFile, JSON.stringify(plan.data), { mode: 0o600 });
  const vars: Record<string, string> = {
    MXA_BASE_URL: plan.baseUrl,
    MXA_DATA: dataFile,
    MXA_SCENARIO: plan.scenario,
    MXA_RATE: String(plan.rate),
    MXA_DURATION: `${plan.durationMs / 1000}s`,
    MXA_WARMUP: `${plan.warmupMs / 1000}s`,
    MXA_P99_MS: String(plan.p99Ms),
    MXA_MAX_ERROR_RATE: String(plan.maxErrorRate),
    MXA_SUMMARY: summaryFile,
    ...(plan.maxVUs ? { MXA_MAX_VUS: String(plan.maxVUs) } : {}),
  };
  const args = ["run", "--quiet", "--no-usage-report", "--no-color", ...Object.entries(vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]), join(projectRoot(), "load", "k6", "matrix.js")];
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  try {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
      const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, K6_NO_USAGE_REPORT: "true", ...(plan.env ?? {}) } });
      let err = "";
      child.stderr.on("data", (d) => (err = (err + d).slice(-4000)));
      // Bounded: k6 ends by itself; this is a safety net twice the planned time plus the graceful stop.
      const guard = setTimeout(() => child.kill("SIGTERM"), 2 * (plan.warmupMs + plan.durationMs) + 30_000);
      child.on("error", (e) => reject(new UserError(`k6 (${bin}) could not start (${e.message}): run 'npm run setup -- k6' or set MXACCEPT_K6.`)));
      child.on("exit", (c, sig) => {
        clearTimeout(guard);
        resolve({ code: c ?? (sig ? 128 : 1), stderr: err });
      });
    });
    const wallMs = performance.now() - t0;
    if (!existsSync(summaryFile)) throw new UserError(`k6 exited ${code} without a summary: ${stderr.trim().split("\n").slice(-3).join(" | ") || "no output"}`);
    const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as { metrics: Record<string, Metric> };
    const m = (name: string, key: string) => summary.metrics[name]?.values?.[key] ?? 0;
    const ok = m("mxa_ok{phase:main}", "count");
    const errors = m("mxa_errors{phase:main}", "passes");
    const throttled = m("mxa_throttled{phase:main}", "count");
    const dropped = m("dropped_iterations{scenario:main}", "count");
    const intended = Math.round((plan.rate * plan.durationMs) / 1000);
    const lat = (k: string) => m("mxa_latency{phase:main}", k);
    const latency: LatencySummary = { count: ok, p50: lat("p(50)"), p95: lat("p(95)"), p99: lat("p(99)"), p999: lat("p(99.9)"), max: lat("max"), mean: lat("avg") };
    const lateShare = intended ? dropped / intended : 0;
    const valid = lateShare <= MAX_LATE_SHARE;
    return {
      engine: "k6",
      scenario: plan.scenario,
      rate: plan.rate,
      durationMs: plan.durationMs,
      warmupMs: plan.warmupMs,
      intended,
      started: intended - dropped,
      ok,
      throttled,
      errors,
      achievedRate: ok / (plan.durationMs / 1000),
      latency,
      lateShare,
      generatorCpu: (childrenCpuMs() - cpu0) / wallMs,
      valid,
      invalidReason: valid ? undefined : `k6 dropped ${dropped} of ${intended} iterations (no free VU): the generator could not keep ${plan.rate}/s (raise MXA_MAX_VUS or run k6 distributed)`,
      k6ExitCode: code,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
