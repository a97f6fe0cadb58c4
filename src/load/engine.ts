import { readFileSync } from "node:fs";
import type { LatencySummary } from "./histogram.ts";

/** What both load engines (autocannon in-process, k6 as a child process) report for one run at one rate. */
export interface LoadResult {
  engine: "autocannon" | "k6";
  scenario: string;
  /** Requested arrival rate (requests per second) and the measured window (warm-up excluded). */
  rate: number;
  durationMs: number;
  warmupMs: number;
  /** Requests the schedule called for in the measured window, and how many of them were started. */
  intended: number;
  started: number;
  ok: number;
  /** 429 answers: counted apart from errors (the server throttled; rate limits are not failures of the generator). */
  throttled: number;
  /** Other answers >= 400, connection errors and timeouts. */
  errors: number;
  /** Successful requests per second over the measured window. */
  achievedRate: number;
  /** Request latency of successful requests, from the intended start (coordinated omission corrected). */
  latency: LatencySummary;
  /** Share of started requests that began more than one interval after their intended start (autocannon), or that k6 dropped. */
  lateShare: number;
  /** CPU the generator used (user + system) as a share of one core over the run. */
  generatorCpu: number;
  /** False when the generator could not keep the rate: then the latencies describe the generator, not the server. */
  valid: boolean;
  invalidReason?: string;
  /** The first error seen (status and start of the body), to say what went wrong. */
  firstError?: string;
  /** Exit code of k6 (99 = a threshold from the profile was breached). */
  k6ExitCode?: number;
}

/** A run is invalid when more than this share of requests started late or were dropped by the generator. */
export const MAX_LATE_SHARE = 0.05;

export function errorRate(r: Pick<LoadResult, "ok" | "errors" | "throttled">): number {
  const total = r.ok + r.errors + r.throttled;
  return total ? r.errors / total : 0;
}

/** CPU used by this process (the in-process engine), in ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU used by reaped child processes (k6), in ms: cutime + cstime of /proc/self/stat (clock ticks of 10 ms
 * on Linux). 0 where /proc is missing, so the figure is then absent rather than wrong.
 */
export function childrenCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}
