/**
 * Monthly availability as the contracts define it, from the canary's probe log and a maintenance calendar.
 *
 * BUM 3.2.7 (seed 001): "Verfügbarkeit = (Gesamte Serviceminuten − Gesamte Ausfallminuten) / Gesamte Serviceminuten"
 *   a. Gesamte Serviceminuten: Gesamtzahl der Minuten in einem Kalendermonat während der Betriebszeit
 *      (Betriebszeit: Montag–Sonntag 7 × 24 Stunden).
 *   b. Gesamte Ausfallminuten: … Minuten eines Kalendermonats, in denen der Service nicht verfügbar ist, …
 *      abzüglich der ausgeschlossenen Ereignisse (Excused Events) in Minuten.
 *   c. Excused events: (1) Wartungsarbeiten oder Changes, (2) dem Kunden zuzurechnende Störungen,
 *      (3) Einwirkung Dritter (z. B. DDoS) oder höhere Gewalt.
 *   Target: 99,9 % per month. VSM 3.1 (seed 002): "Dienstverfügbarkeit der Infrastruktur von ≥ 97 % im Monat".
 *
 * How this module applies it (README "Availability"):
 * - The month is the calendar month in Europe/Berlin (local midnight of the 1st to local midnight of the next
 *   1st), so March has 44,580 minutes (23-hour DST day) and October 44,700. Service minutes = every minute
 *   of it (7 × 24). Excused events shorten the outage minutes, never the service minutes.
 * - The probe log is turned into a timeline. A probe's result holds from its start until the next probe
 *   starts, as long as that one starts within the probe's own duration plus two intervals (the prober was
 *   alive); otherwise the result holds for its duration plus one interval and the rest of the gap is
 *   *unobserved* (prober down). Time in the period before the first probe or after the last one's span is
 *   unobserved too. Unobserved time is counted as down: a gap in the log is never taken as availability.
 * - Outage-minute rule: a minute (a "bucket"; one minute by default, configurable for tests) is an outage
 *   minute when any part of it is down (a failed probe's span, or unobserved) and not covered by an excused
 *   event. So a 20-second outage that crosses a minute boundary costs two minutes (the customer-friendly
 *   reading).
 * - Time after "now" in the current month is not yet elapsed: neither outage nor observed; the result is
 *   marked incomplete (provisional).
 */

export const TIME_ZONE = "Europe/Berlin";
export const MINUTE_MS = 60_000;

export interface ProbeRecord {
  /** ISO time the probe started. */
  ts: string;
  ok: boolean;
  /** Send → received on the second account, or until the failure. */
  latencyMs: number;
  /** The prober's interval when it wrote the record. */
  intervalMs: number;
  error?: string;
}

export type ExcusedKind = "maintenance" | "customer" | "force-majeure";
export const EXCUSED_KINDS: readonly ExcusedKind[] = ["maintenance", "customer", "force-majeure"];

export interface ExcusedWindow {
  start: number;
  end: number;
  kind: ExcusedKind;
  note?: string;
}

export interface Interval {
  start: number;
  end: number;
}

/** Offset of `tz` from UTC at instant `ms`, in milliseconds (e.g. +3,600,000 for CET). */
export function zoneOffsetMs(ms: number, tz = TIME_ZONE): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant of local midnight at the start of day y-m-d in `tz` (midnight exists in Berlin every day). */
export function zonedMidnight(year: number, month1: number, day: number, tz = TIME_ZONE): number {
  const naive = Date.UTC(year, month1 - 1, day);
  let guess = naive - zoneOffsetMs(naive, tz);
  guess = naive - zoneOffsetMs(guess, tz);
  return guess;
}

/** The calendar month "YYYY-MM" in Europe/Berlin as a UTC interval [start, end). */
export function monthInterval(month: string, tz = TIME_ZONE): Interval {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new Error(`month "${month}" is not YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { start: zonedMidnight(y, mo, 1, tz), end: mo === 12 ? zonedMidnight(y + 1, 1, 1, tz) : zonedMidnight(y, mo + 1, 1, tz) };
}

/** The month "YYYY-MM" (Europe/Berlin) that contains instant `ms`. */
export function monthOf(ms: number, tz = TIME_ZONE): string {
  const local = new Date(ms + zoneOffsetMs(ms, tz));
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Sorts and merges overlapping or touching intervals; drops empty ones. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).map((i) => ({ start: i.start, end: i.end })).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push(i);
  }
  return out;
}

/** `a` minus `b` (both merged lists). */
export function subtractIntervals(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    let cur = x.start;
    for (const y of b) {
      if (y.end <= cur || y.start >= x.end) continue;
      if (y.start > cur) out.push({ start: cur, end: y.start });
      cur = Math.max(cur, y.end);
      if (cur >= x.end) break;
    }
    if (cur < x.end) out.push({ start: cur, end: x.end });
  }
  return out;
}

function clip(list: Interval[], w: Interval): Interval[] {
  return list.map((i) => ({ start: Math.max(i.start, w.start), end: Math.min(i.end, w.end) })).filter((i) => i.end > i.start);
}

function total(list: Interval[]): number {
  return list.reduce((s, i) => s + (i.end - i.start), 0);
}

/** The probe log as a timeline over `period`: failed spans, unobserved spans (gaps, before/after the log), probe counts. */
export function timeline(probes: ProbeRecord[], period: Interval): { failed: Interval[]; unobserved: Interval[]; observed: Interval[]; probes: number; failures: number } {
  const list = probes.map((p) => ({ ...p, t: Date.parse(p.ts) })).filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
  const failed: Interval[] = [];
  const observed: Interval[] = [];
  let probesIn = 0;
  let failuresIn = 0;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const next = list[i + 1];
    const alive = p.t + p.latencyMs + 2 * p.intervalMs;
    const end = next && next.t <= alive ? next.t : p.t + p.latencyMs + p.intervalMs;
    const span = { start: p.t, end: Math.max(end, p.t + 1) };
    observed.push(span);
    if (!p.ok) failed.push(span);
    if (p.t >= period.start && p.t < period.end) {
      probesIn++;
      if (!p.ok) failuresIn++;
    }
  }
  const obs = clip(mergeIntervals(observed), period);
  return { failed: clip(mergeIntervals(failed), period), observed: obs, unobserved: subtractIntervals([period], obs), probes: probesIn, failures: failuresIn };
}

/** Number of distinct buckets (of `bucketMs`, aligned to `origin`) that the intervals touch. */
export function bucketsTouched(list: Interval[], origin: number, bucketMs: number): number {
  let count = 0;
  let lastBucket = -1;
  for (const i of mergeIntervals(list)) {
    const first = Math.floor((i.start - origin) / bucketMs);
    const last = Math.ceil((i.end - origin) / bucketMs) - 1;
    const from = Math.max(first, lastBucket + 1);
    if (last >= from) count += last - from + 1;
    lastBucket = Math.max(lastBucket, last);
  }
  return count;
}

export interface SlaInput {
  probes: ProbeRecord[];
  excused?: ExcusedWindow[];
  period: Interval;
  /** e.g. 0.999 (BUM) or 0.97 (VSM). */
  target: number;
  bucketMs?: number;
  /** Time of evaluation; time after it is not yet elapsed. */
  now?: number;
}

export interface SlaResult {
  period: { start: string; end: string };
  bucketMs: number;
  target: number;
  serviceBuckets: number;
  outageBuckets: number;
  /** Buckets that would be outage buckets without the excused events. */
  outageBucketsBeforeExcuse: number;
  availability: number;
  /** Allowed outage buckets: (1 − target) × service buckets. */
  budgetBuckets: number;
  remainingBudgetBuckets: number;
  met: boolean;
  /** False while the period has not fully elapsed: the figures are provisional. */
  complete: boolean;
  probes: number;
  failures: number;
  failedMs: number;
  unobservedMs: number;
  excusedMs: number;
  excused: { start: string; end: string; kind: ExcusedKind; note?: string }[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The contract's availability over `period` (BUM 3.2.7 formula; see the module comment for the rules). */
export function computeSla(input: SlaInput): SlaResult {
  const bucketMs = input.bucketMs ?? MINUTE_MS;
  const { period } = input;
  if (!(period.end > period.start)) throw new Error("the period is empty");
  const now = input.now ?? Date.now();
  const elapsed: Interval = { start: period.start, end: Math.min(period.end, Math.max(period.start, now)) };
  const tl = timeline(input.probes, elapsed);
  const down = mergeIntervals([...tl.failed, ...tl.unobserved]);
  const excused = clip(mergeIntervals(input.excused ?? []), period);
  const counted = subtractIntervals(down, excused);
  const serviceBuckets = Math.ceil((period.end - period.start) / bucketMs);
  const outageBuckets = bucketsTouched(counted, period.start, bucketMs);
  const budgetBuckets = round6((1 - input.target) * serviceBuckets);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    period: { start: iso(period.start), end: iso(period.end) },
    bucketMs,
    target: input.target,
    serviceBuckets,
    outageBuckets,
    outageBucketsBeforeExcuse: bucketsTouched(down, period.start, bucketMs),
    availability: (serviceBuckets - outageBuckets) / serviceBuckets,
    budgetBuckets,
    remainingBudgetBuckets: round6(budgetBuckets - outageBuckets),
    met: outageBuckets <= budgetBuckets + 1e-9,
    complete: now >= period.end,
    probes: tl.probes,
    failures: tl.failures,
    failedMs: total(tl.failed),
    unobservedMs: total(tl.unobserved),
    excusedMs: total(subtractIntervals(down, subtractIntervals(down, excused))),
    excused: (input.excused ?? []).filter((w) => w.end > period.start && w.start < period.end).map((w) => ({ start: iso(w.start), end: iso(w.end), kind: w.kind, ...(w.note ? { note: w.note } : {}) })),
  };
}

/** Human-readable report lines. */
export function formatSla(r: SlaResult, label: string, calendarMonth = true): string {
  const unit = r.bucketMs === MINUTE_MS ? "min" : r.bucketMs === 1000 ? "s" : `buckets of ${r.bucketMs} ms`;
  const pct = (x: number) => `${(x * 100).toFixed(3)} %`;
  const lines = [
    `${label}: ${r.period.start} – ${r.period.end}${calendarMonth ? ` (${TIME_ZONE} calendar month, 7×24)` : ""}${r.complete ? "" : " — not yet elapsed: provisional"}`,
    `  service ${r.serviceBuckets} ${unit}, outage ${r.outageBuckets} ${unit} (${r.outageBucketsBeforeExcuse} before excused events)`,
    `  probes ${r.probes}, failed ${r.failures}; failed ${(r.failedMs / 1000).toFixed(1)} s, unobserved ${(r.unobservedMs / 1000).toFixed(1)} s, excused ${(r.excusedMs / 1000).toFixed(1)} s`,
    `  availability ${pct(r.availability)} against ${pct(r.target)}: ${r.met ? "met" : "NOT met"}`,
    `  error budget ${r.budgetBuckets} ${unit}, remaining ${r.remainingBudgetBuckets} ${unit}`,
  ];
  return lines.join("\n");
}
