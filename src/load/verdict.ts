import type { DeliveryResult } from "./delivery.ts";
import { errorRate, type LoadResult } from "./engine.ts";
import { formatSummary } from "./histogram.ts";

/** One load level: the request side from an engine and, for `send`, delivery to another account. */
export interface LevelResult {
  request: LoadResult;
  delivery?: DeliveryResult;
}

export interface LoadTargets {
  sendP99Ms: number;
  deliveryP99Ms: number;
  maxErrorRate: number;
}

export interface Judgement {
  pass: boolean;
  reasons: string[];
}

/** Errors (answers >= 400 except 429, failed connections) plus lost messages, per request answered or not. */
export function failureRate(l: LevelResult): number {
  const r = l.request;
  const total = r.ok + r.errors + r.throttled;
  if (!l.delivery) return errorRate(r);
  return total ? (r.errors + l.delivery.lost) / total : 0;
}

/** Whether a level kept the targets; an invalid run (generator fell behind) never passes. */
export function judge(l: LevelResult, t: LoadTargets): Judgement {
  const reasons: string[] = [];
  const r = l.request;
  if (!r.valid) reasons.push(`invalid run: ${r.invalidReason}`);
  if (r.ok === 0) reasons.push("no request succeeded");
  const fr = failureRate(l);
  if (fr > t.maxErrorRate) reasons.push(`error rate ${(fr * 100).toFixed(2)} % above ${(t.maxErrorRate * 100).toFixed(2)} % (${r.errors} errors${l.delivery ? `, ${l.delivery.lost} lost` : ""} of ${r.ok + r.errors + r.throttled})`);
  if (r.latency.p99 > t.sendP99Ms) reasons.push(`request p99 ${r.latency.p99.toFixed(0)} ms above ${t.sendP99Ms} ms`);
  if (l.delivery && l.delivery.latency.p99 > t.deliveryP99Ms) reasons.push(`delivery p99 ${l.delivery.latency.p99.toFixed(0)} ms above ${t.deliveryP99Ms} ms`);
  if (l.delivery && l.delivery.delivered === 0 && r.ok > 0) reasons.push("no message reached the receiving account");
  if (r.k6ExitCode !== undefined && r.k6ExitCode !== 0 && reasons.length === 0) reasons.push(`k6 exited ${r.k6ExitCode} (a threshold was breached)`);
  return { pass: reasons.length === 0, reasons };
}

/**
 * The knee: the highest rate at which the targets still hold, counting up from the lowest level and stopping
 * at the first level that misses them. Undefined when even the lowest level misses them.
 */
export function knee(levels: LevelResult[], t: LoadTargets): LevelResult | undefined {
  let best: LevelResult | undefined;
  for (const l of [...levels].sort((a, b) => a.request.rate - b.request.rate)) {
    if (!judge(l, t).pass) break;
    best = l;
  }
  return best;
}

export function formatLevel(l: LevelResult): string {
  const r = l.request;
  const lines = [
    `${r.engine} ${r.scenario} @ ${r.rate}/s for ${r.durationMs / 1000} s (+${r.warmupMs / 1000} s warm-up): ${r.ok} ok, ${r.errors} errors, ${r.throttled} throttled (429), achieved ${r.achievedRate.toFixed(1)}/s, late/dropped ${(r.lateShare * 100).toFixed(1)} %, generator CPU ${(r.generatorCpu * 100).toFixed(0)} % of a core${r.valid ? "" : " — INVALID"}`,
    `  request latency: ${formatSummary(r.latency)}`,
  ];
  if (r.firstError) lines.push(`  first error: ${r.firstError}`);
  if (l.delivery) lines.push(`  delivery latency: ${formatSummary(l.delivery.latency)}; ${l.delivery.lost} lost`);
  return lines.join("\n");
}
