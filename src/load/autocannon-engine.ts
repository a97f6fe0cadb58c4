import autocannon from "autocannon";
import { LatencyHistogram } from "./histogram.ts";
import { MAX_LATE_SHARE, selfCpuMs, type LoadResult } from "./engine.ts";

/**
 * The in-process engine: open-model (fixed arrival rate) load with autocannon, measured against a schedule.
 *
 * Pacing. autocannon's `overallRate` gives every connection a quota per second that it sends back to back
 * when the second starts; all connections of one autocannon instance start their seconds together, so one
 * instance turns a rate of R/s into one burst of R requests per second (which Synapse answers slowly: the
 * room's events are persisted one after another). So the rate is split over up to 50 autocannon instances
 * started at evenly spaced offsets within the first second: at 10/s that is ten instances sending one request
 * each, 100 ms apart; at 1,000/s bursts of 20 every 20 ms. Each instance is a fixed-rate stream of r/s: its
 * requests' intended starts lie evenly over each of its seconds (from its first request, where autocannon's
 * rate timer starts); a burst sends them early, which is fine (they are measured from the actual start); a
 * request is late when it started more than one of its stream's intervals after its slot.
 *
 * Coordinated omission. autocannon measures a request from when it wrote it, so a connection stuck on a slow
 * answer sends its next request later and the waiting never shows. We do not use autocannon's latencies:
 * every request has an intended start on the fixed schedule (its instance's offset + its slot), stamped in
 * `setupRequest` (called just before autocannon writes the request), and its latency is recorded in an HDR
 * histogram from min(intended start, actual start) to the answer. A request that had to wait for its
 * connection is charged the wait. (HDR's recordValueWithExpectedInterval would only approximate this from
 * the latencies; the schedule gives the real start times.) A run in which more than 5 % of the requests
 * started more than one interval late, or never, is invalid: the generator could not keep the rate.
 *
 * Warm-up: requests whose intended start lies in the first `warmupMs` are sent but not counted; so are the
 * few due after the measured window (instances start up to a second late, and run whole seconds).
 */
const MAX_INSTANCES = 50;

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
  /** Builds request `seq`; `startWallMs` is its start (wall clock ms, intended or actual, whichever is earlier); `uncounted` outside the measured window. */
  request(seq: number, startWallMs: number, uncounted: boolean): ScheduledRequest;
  /** Called for every answer (also in warm-up), e.g. to note sent event ids. */
  onResponse?(seq: number, status: number, body: string): void;
  /** Per-request timeout in seconds (autocannon counts it as an error). */
  timeoutS?: number;
}

interface Ctx {
  seq?: number;
  startPerf?: number;
  counted?: boolean;
}

export function defaultConnections(rate: number): number {
  // Each connection may send one request per second of its instance's quota: enough connections for answers
  // of ~500 ms at the full rate. Too few shows up as late starts (an invalid run), not as wrong figures.
  return Math.min(256, Math.max(4, Math.ceil(rate / 2)));
}

/** Splits an integer total into `parts` integers that differ by at most one. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

export async function runAutocannon(plan: OpenModelPlan): Promise<LoadResult> {
  const rate = Math.max(1, Math.round(plan.rate));
  const seconds = Math.ceil((plan.warmupMs + plan.durationMs) / 1000);
  const instances = Math.min(rate, MAX_INSTANCES);
  const rates = split(rate, instances);
  const perInstance = Math.ceil(Math.max(plan.connections ?? defaultConnections(rate), instances) / instances);
  const hist = new LatencyHistogram();
  const base = new URL(plan.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  const wallAtPerf0 = Date.now() - performance.now();
  let next = 0;
  let started = 0;
  let late = 0;
  let ok = 0;
  let throttled = 0;
  let errors = 0;
  let firstError: string | undefined;

  const cpu0 = selfCpuMs();
  const t0 = performance.now();
  let intended = 0;
  const runInstance = async (k: number): Promise<autocannon.Result> => {
    const r = rates[k]!;
    const amount = r * seconds;
    // autocannon splits both the rate and the amount over the connections; with a connection count that
    // divides the rate, every connection's share of the amount matches its share of the rate.
    let c = Math.min(perInstance, r);
    while (r % c !== 0) c--;
    const slot = 1000 / r; // this instance's own fixed schedule: r requests evenly over each second
    let anchor: number | undefined; // the instance's start: its autocannon rate timer runs from here
    let j = 0;
    const instance = autocannon({
      url: base.origin,
      connections: c,
      overallRate: r,
      amount,
      timeout: plan.timeoutS ?? 10,
      requests: [
        {
          setupRequest: (req: Record<string, unknown>, context: Ctx) => {
            const n = j++;
            const now = performance.now();
            anchor ??= now;
            const due = anchor + Math.floor(n / r) * 1000 + (n % r) * slot;
            const seq = next++;
            context.seq = seq;
            context.startPerf = Math.min(now, due);
            // Counted: due in the measured window; before it is warm-up, after it the tail of late-starting instances.
            context.counted = due - t0 >= plan.warmupMs && due - t0 < plan.warmupMs + plan.durationMs;
            if (context.counted) {
              started++;
              if (now - due > slot) late++;
            }
            const q = plan.request(seq, Math.round(wallAtPerf0 + context.startPerf), !context.counted);
            return { ...req, method: q.method, path: `${prefix}${q.path}`, headers: { ...(q.headers ?? {}) }, body: q.body };
          },
          onResponse: (status: number, body: string, context: Ctx) => {
            plan.onResponse?.(context.seq ?? -1, status, body);
            if (status >= 400 && status !== 429) firstError ??= `${status} ${body.slice(0, 200)}`;
            if (!context.counted) return;
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
    const begin = anchor ?? performance.now();
    for (let n = 0; n < amount; n++) {
      const at = begin + Math.floor(n / r) * 1000 + (n % r) * slot - t0;
      if (at >= plan.warmupMs && at < plan.warmupMs + plan.durationMs) intended++;
    }
    // Bounded: stop at twice the planned time plus the request timeout, whatever the server does.
    const guard = setTimeout(() => instance.stop(), 2 * seconds * 1000 + (plan.timeoutS ?? 10) * 1000);
    try {
      return await instance;
    } finally {
      clearTimeout(guard);
    }
  };
  // Instance k starts at k/instances of the first second (a schedule, not a wait for a condition).
  const results = await Promise.all(rates.map((_, k) => new Promise<autocannon.Result>((resolve, reject) => setTimeout(() => runInstance(k).then(resolve, reject), (k * 1000) / instances))));
  const wallMs = performance.now() - t0;
  const cpuMs = selfCpuMs() - cpu0;
  // Connection errors and timeouts (autocannon's `errors` includes its `timeouts`) have no answer; autocannon
  // counts them over the whole run, and they are charged to the measured window.
  for (const r of results) errors += r.errors ?? 0;
  const lateShare = intended ? (late + Math.max(0, intended - started)) / intended : 0;
  const valid = lateShare <= MAX_LATE_SHARE;
  return {
    engine: "autocannon",
    scenario: plan.scenario,
    rate,
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
    firstError,
    invalidReason: valid ? undefined : `${(lateShare * 100).toFixed(1)} % of requests started more than one interval (${(1000 / rates[0]!).toFixed(0)} ms per stream) late or not at all: the generator could not keep ${rate}/s (raise --connections, lower --rate, or use k6)`,
  };
}
