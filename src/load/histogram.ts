import * as hdr from "hdr-histogram-js";

/**
 * Latency histograms (HdrHistogram, microsecond resolution, 3 significant digits) and their summary in
 * milliseconds. Values are recorded by the engines already corrected for coordinated omission (latency counted
 * from the intended start of a request, see autocannon-engine.ts), so no further correction happens here.
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class LatencyHistogram {
  readonly #h = hdr.build({ bitBucketSize: 64, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });

  /** Records one latency in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    this.#h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.#h.totalCount;
  }

  summary(): LatencySummary {
    const at = (p: number) => (this.#h.totalCount ? this.#h.getValueAtPercentile(p) / 1000 : 0);
    return {
      count: this.#h.totalCount,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: this.#h.totalCount ? this.#h.maxValue / 1000 : 0,
      mean: this.#h.totalCount ? this.#h.mean / 1000 : 0,
    };
  }
}

export function formatSummary(s: LatencySummary): string {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `p50 ${f(s.p50)} ms, p95 ${f(s.p95)} ms, p99 ${f(s.p99)} ms, p99.9 ${f(s.p999)} ms, max ${f(s.max)} ms (n=${s.count})`;
}
