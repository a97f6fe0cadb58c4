import autocannon from "autocannon";
import { LatencyHistogram } from "./histogram.ts";
import { MAX_LATE_SHARE, selfCpuMs, type LoadResult } from "./engine.ts";

/**
 * The in-process engine: open-model (fixed arrival rate) load with autocannon, measured against a schedule.
 *
 * How coordinated omission is handled (the choice the design asks to explain): autocannon paces with
 * `overallRate` (a per-second quota per connection), and it measures a request from the moment it wrote it.
 * Both hide a slow server: a connection stuck on a slow answer simply sends its next request later, and the
 * waiting time never shows up. So we do not use autocannon's own latencies. Every request takes the next slot
 * `i` of a fixed schedule (intended start t0 + i/rate) in `setupRequest`, which autocannon calls just before it
 * writes the request; its latency is recorded from min(intended start, actual start) to the answer. A request
 * that had to wait for a free connection is therefore charged its waiting time (the corrected latency), and
 * one sent early by autocannon's quota burst is charged from when it was really sent. HDR's
 * recordValueWithExpectedInterval would only approximate this from the latencies; with the schedule we have
 * the real start times. A run in which more than 5 % of requests started more than one interval late is
 * marked invalid: the generator (too few connections, or too little CPU) could not keep the rate.
 *
 * Warm-up: requests whose intended start lies in the first `warmupMs` are sent but not counted.
 */

export interface ScheduledRequest {
  method: string;
  /** Path with query, starting with "/". */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface OpenModelPlan {
  baseUrl: string;
  scenario: string;
  rate: number;
  durationMs: number;
  warmupMs: number;
  connections?: number;
  /** Builds request `seq`; `startWallMs` is its start (wall clock, intended or actual, whichever is earlier). */
  request(seq: number, startWallMs: number): ScheduledRequest;
  /** Called for every answer (also in warm-up), e.g. to note sent event ids. */
  onResponse?(seq: number, status: number, body: string): void;
  /** Per-request timeout in seconds (autocannon counts it as an error). */
  timeoutS?: number;
}

interface Ctx {
  seq?: number;
  startPerf?: number;
}

export function defaultConnections(rate: number): number {
  // Enough for answers of ~250 ms at the full rate; too few shows up as late starts (an invalid run), not as wrong figures.
  return Math.min(256, Math.max(1, Math.ceil(rate / 4)));
}

export async function runAutocannon(plan: OpenModelPlan): Promise<LoadResult> {
  const interval = 1000 / plan.rate;
  const total = Math.max(1, Math.round((plan.rate * (plan.warmupMs + plan.durationMs)) / 1000));
  const warmupCount = Math.round((plan.rate * plan.warmupMs) / 1000);
  const hist = new LatencyHistogram();
  const base = new URL(plan.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  let next = 0;
  let started = 0;
  let late = 0;
  let ok = 0;
  let throttled = 0;
  let errors = 0;
  const connections = Math.min(plan.connections ?? defaultConnections(plan.rate), total);
  const wallAtPerf0 = Date.now() - performance.now();
  let t0 = 0;

  const cpu0 = selfCpuMs();
  t0 = performance.now();
  const instance = autocannon({
    url: base.origin,
    connections,
    overallRate: plan.rate,
    amount: total,
    timeout: plan.timeoutS ?? 10,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>, context: Ctx) => {
          const seq = next++;
          const now = performance.now();
          const intended = t0 + seq * interval;
          context.seq = seq;
          context.startPerf = Math.min(now, intended);
          if (seq >= warmupCount) {
            started++;
            if (now - intended > interval) late++;
          }
          const r = plan.request(seq, wallAtPerf0 + context.startPerf);
          return { ...req, method: r.method, path: `${prefix}${r.path}`, headers: { ...(r.headers ?? {}) }, body: r.body };
        },
        onResponse: (status: number, body: string, context: Ctx) => {
          const seq = context.seq ?? -1;
          plan.onResponse?.(seq, status, body);
          if (seq < warmupCount) return;
          if (status === 429) throttled++;
          else if (status >= 400) errors++;
          else {
            ok++;
            hist.record(performance.now() - (context.startPerf ?? performance.now()));
          }
        },
      },
    ],
  } as unknown as autocannon.Options);
  // Bounded: stop at twice the planned time plus the request timeout, whatever the server does.
  const guard = setTimeout(() => instance.stop(), 2 * (plan.warmupMs + plan.durationMs) + (plan.timeoutS ?? 10) * 1000);
  const result = await instance;
  clearTimeout(guard);
  const wallMs = performance.now() - t0;
  const cpuMs = selfCpuMs() - cpu0;
  // Connection errors and timeouts (autocannon's `errors` includes its `timeouts`) have no answer; autocannon
  // counts them over the whole run, and they are charged to the measured window.
  errors += result.errors ?? 0;
  const intended = total - warmupCount;
  const lateShare = intended ? (late + Math.max(0, intended - started)) / intended : 0;
  const valid = lateShare <= MAX_LATE_SHARE;
  return {
    engine: "autocannon",
    scenario: plan.scenario,
    rate: plan.rate,
    durationMs: plan.durationMs,
    warmupMs: plan.warmupMs,
    intended,
    started,
    ok,
    throttled,
    errors,
    achievedRate: ok / (plan.durationMs / 1000),
    latency: hist.summary(),
    lateShare,
    generatorCpu: cpuMs / wallMs,
    valid,
    invalidReason: valid ? undefined : `${(lateShare * 100).toFixed(1)} % of requests started more than one interval (${interval.toFixed(1)} ms) late or not at all: the generator could not keep ${plan.rate}/s (raise --connections, lower --rate, or use k6)`,
  };
}
