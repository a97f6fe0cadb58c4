import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { computeSla, monthInterval, monthOf, zonedMidnight, bucketsTouched, mergeIntervals, subtractIntervals, type ProbeRecord, type ExcusedWindow } from "../src/report/sla.ts";
import { parseMaintenance } from "../src/report/maintenance.ts";
import { burnRateRules } from "../src/report/burn-rate.ts";
import { readProbeLog, ProbeLog } from "../src/load/probe-log.ts";

const MIN = 60_000;
const H = 60 * MIN;
const AFTER = Date.parse("2100-01-01T00:00:00Z");

/** A probe every `step` from `from` to `to`; `fail(t)` marks failed ones. */
function probes(from: number, to: number, step = MIN, fail: (t: number) => boolean = () => false, latencyMs = 0): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  for (let t = from; t < to; t += step) {
    const bad = fail(t);
    out.push({ ts: new Date(t).toISOString(), ok: !bad, latencyMs, intervalMs: step, ...(bad ? { error: "connect" } : {}) });
  }
  return out;
}

function month(m: string, opts: { fail?: (t: number) => boolean; excused?: ExcusedWindow[]; target?: number; offset?: number; logFrom?: number; logTo?: number } = {}) {
  const p = monthInterval(m);
  const log = probes((opts.logFrom ?? p.start) + (opts.offset ?? 0), opts.logTo ?? p.end, MIN, opts.fail);
  return computeSla({ probes: log, period: p, target: opts.target ?? 0.999, excused: opts.excused, now: AFTER });
}

describe("calendar months in Europe/Berlin (7×24 service minutes)", () => {
  it.each([
    ["2026-02", 28 * 1440],
    ["2024-02", 29 * 1440],
    ["2026-04", 30 * 1440],
    ["2026-01", 31 * 1440],
    ["2026-03", 31 * 1440 - 60], // last Sunday of March: 23-hour day
    ["2026-10", 31 * 1440 + 60], // last Sunday of October: 25-hour day
    ["2026-12", 31 * 1440],
  ])("%s has %i service minutes", (m, minutes) => {
    const r = month(m);
    expect(r.serviceBuckets).toBe(minutes);
    expect(r.outageBuckets).toBe(0);
    expect(r.availability).toBe(1);
    expect(r.complete).toBe(true);
  });

  it("months start at local midnight: CET (+01:00) in winter, CEST (+02:00) in summer, and the year wraps", () => {
    expect(new Date(monthInterval("2026-03").start).toISOString()).toBe("2026-02-28T23:00:00.000Z");
    expect(new Date(monthInterval("2026-03").end).toISOString()).toBe("2026-03-31T22:00:00.000Z");
    expect(new Date(monthInterval("2026-10").end).toISOString()).toBe("2026-10-31T23:00:00.000Z");
    expect(new Date(monthInterval("2026-12").end).toISOString()).toBe("2026-12-31T23:00:00.000Z");
    expect(monthOf(Date.parse("2026-02-28T23:30:00Z"))).toBe("2026-03");
    expect(monthOf(Date.parse("2026-12-31T23:00:00Z"))).toBe("2027-01");
  });

  it("the DST change days last 23 h (29 March 2026) and 25 h (25 October 2026)", () => {
    expect(zonedMidnight(2026, 3, 30) - zonedMidnight(2026, 3, 29)).toBe(23 * H);
    expect(zonedMidnight(2026, 10, 26) - zonedMidnight(2026, 10, 25)).toBe(25 * H);
    expect(zonedMidnight(2026, 3, 29) - zonedMidnight(2026, 3, 28)).toBe(24 * H);
  });

  it("an outage over the repeated autumn hour counts its real length (90 minutes, not 30 or 150)", () => {
    // 01:30 CEST (23:30Z) to 02:00 CET the second time (01:00Z): 90 real minutes.
    const from = Date.parse("2026-10-24T23:30:00Z");
    const to = Date.parse("2026-10-25T01:00:00Z");
    const r = month("2026-10", { fail: (t) => t >= from && t < to });
    expect(r.outageBuckets).toBe(90);
  });
});

describe("the error budget and the verdict", () => {
  it("99.9 % of a 30-day month is a budget of 43.2 minutes: 43 outage minutes meet it, 44 do not", () => {
    const p = monthInterval("2026-04");
    const at = p.start + 10 * 24 * H;
    const ok = month("2026-04", { fail: (t) => t >= at && t < at + 43 * MIN });
    expect(ok.budgetBuckets).toBe(43.2);
    expect(ok.outageBuckets).toBe(43);
    expect(ok.met).toBe(true);
    expect(ok.remainingBudgetBuckets).toBe(0.2);
    const bad = month("2026-04", { fail: (t) => t >= at && t < at + 44 * MIN });
    expect(bad.outageBuckets).toBe(44);
    expect(bad.met).toBe(false);
    expect(bad.remainingBudgetBuckets).toBe(-0.8);
    expect(bad.availability).toBeCloseTo((43200 - 44) / 43200, 12);
  });

  it("97 % (VSM) of a 31-day month is 1339.2 minutes", () => {
    const r = month("2026-01", { target: 0.97 });
    expect(r.budgetBuckets).toBe(1339.2);
    expect(month("2026-03", { target: 0.97 }).budgetBuckets).toBe(1337.4);
  });

  it("a minute with any failed part is an outage minute: three failed probes at :30 touch four minutes", () => {
    const p = monthInterval("2026-04");
    const at = p.start + 5 * H + 30_000;
    const aligned = month("2026-04", { fail: (t) => t >= at - 30_000 && t < at - 30_000 + 3 * MIN });
    expect(aligned.outageBuckets).toBe(3);
    const shifted = month("2026-04", { offset: 30_000, fail: (t) => t >= at && t < at + 3 * MIN, logFrom: p.start });
    // the first 30 s of the month are before the first probe: unobserved, one more minute
    expect(shifted.outageBuckets).toBe(4 + 1);
    expect(shifted.failedMs).toBe(3 * MIN);
  });

  it("gaps in the log (prober down) count as outage, and so does time before the first probe", () => {
    const p = monthInterval("2026-04");
    const gapFrom = p.start + 2 * 24 * H;
    const log = [...probes(p.start, gapFrom + MIN), ...probes(gapFrom + 11 * MIN, p.end)];
    const r = computeSla({ probes: log, period: p, target: 0.999, now: AFTER });
    expect(r.outageBuckets).toBe(10);
    expect(r.unobservedMs).toBe(10 * MIN);
    const late = month("2026-04", { logFrom: p.start + H });
    expect(late.outageBuckets).toBe(60);
    const none = computeSla({ probes: [], period: p, target: 0.999, now: AFTER });
    expect(none.outageBuckets).toBe(43200);
    expect(none.availability).toBe(0);
  });

  it("a slow probe's result holds until the next one (no gap while the prober lives)", () => {
    const p = monthInterval("2026-04");
    const log = probes(p.start, p.end, MIN, () => false, 90_000).filter((_, i) => i % 2 === 0);
    // every other slot was skipped because each probe took 90 s: next start ≤ start + latency + 2 intervals
    const r = computeSla({ probes: log, period: p, target: 0.999, now: AFTER });
    expect(r.outageBuckets).toBe(0);
  });

  it("a month still running is provisional and counts only elapsed time", () => {
    const p = monthInterval("2026-04");
    const now = p.start + 10 * 24 * H;
    const r = computeSla({ probes: probes(p.start, now), period: p, target: 0.999, now });
    expect(r.complete).toBe(false);
    expect(r.outageBuckets).toBe(0);
    expect(r.serviceBuckets).toBe(43200);
  });

  it("sub-minute buckets make the arithmetic exact to the bucket (used by the fault-injection self-test)", () => {
    const start = Date.parse("2026-04-10T10:00:00Z");
    const log = probes(start, start + 120_000, 2000, (t) => t >= start + 20_000 && t < start + 50_000);
    const r = computeSla({ probes: log, period: { start, end: start + 120_000 }, target: 0.97, bucketMs: 1000, now: AFTER });
    expect(r.serviceBuckets).toBe(120);
    expect(r.outageBuckets).toBe(30);
    expect(r.availability).toBe(0.75);
  });
});

describe("excused events (maintenance calendar)", () => {
  const p = monthInterval("2026-04");
  const from = p.start + 3 * 24 * H;
  const fail = (t: number) => t >= from && t < from + 30 * MIN;

  it("an outage inside a maintenance window is excused; service minutes stay the whole month", () => {
    const r = month("2026-04", { fail, excused: [{ start: from - MIN, end: from + 31 * MIN, kind: "maintenance" }] });
    expect(r.outageBucketsBeforeExcuse).toBe(30);
    expect(r.outageBuckets).toBe(0);
    expect(r.excusedMs).toBe(30 * MIN);
    expect(r.serviceBuckets).toBe(43200);
  });

  it("only the covered part is excused; overlapping windows are counted once", () => {
    const r = month("2026-04", {
      fail,
      excused: [
        { start: from, end: from + 10 * MIN, kind: "maintenance" },
        { start: from + 5 * MIN, end: from + 20 * MIN, kind: "customer" },
      ],
    });
    expect(r.outageBuckets).toBe(10);
    expect(r.excusedMs).toBe(20 * MIN);
  });

  it("a window across the month end excuses its part in each month", () => {
    const w = parseMaintenance("- { start: 2026-04-30T23:30:00+02:00, end: 2026-05-01T00:30:00+02:00, kind: force-majeure, note: DDoS }\n", "cal.yaml");
    const down0 = Date.parse("2026-04-30T23:40:00+02:00");
    const down1 = Date.parse("2026-05-01T00:20:00+02:00");
    const failAcross = (t: number) => t >= down0 && t < down1;
    const whole = probes(monthInterval("2026-04").start, monthInterval("2026-05").end, MIN, failAcross);
    for (const m of ["2026-04", "2026-05"]) {
      const period = monthInterval(m);
      expect(computeSla({ probes: whole, period, target: 0.999, now: AFTER }).outageBuckets, `${m} without the window`).toBe(20);
      const r = computeSla({ probes: whole, period, target: 0.999, excused: w, now: AFTER });
      expect(r.outageBuckets, `${m} with the window`).toBe(0);
      expect(r.excused).toHaveLength(1);
    }
  });

  it("the calendar needs times with offsets and one of the three excused kinds", () => {
    expect(() => parseMaintenance("- { start: 2026-03-29T02:30:00, end: 2026-03-29T04:00:00+02:00 }", "c")).toThrow(/not a time with offset/);
    expect(() => parseMaintenance("- { start: 2026-03-29T01:00:00Z, end: 2026-03-29T02:00:00Z, kind: holiday }", "c")).toThrow(/maintenance, customer, force-majeure/);
    expect(() => parseMaintenance("- { start: 2026-03-29T03:00:00Z, end: 2026-03-29T02:00:00Z }", "c")).toThrow(/end must be after start/);
    expect(parseMaintenance("", "c")).toEqual([]);
  });
});

describe("interval helpers", () => {
  it("merge, subtract and count buckets", () => {
    expect(mergeIntervals([{ start: 5, end: 8 }, { start: 0, end: 2 }, { start: 2, end: 3 }, { start: 7, end: 9 }])).toEqual([{ start: 0, end: 3 }, { start: 5, end: 9 }]);
    expect(subtractIntervals([{ start: 0, end: 10 }], [{ start: 2, end: 3 }, { start: 5, end: 12 }])).toEqual([{ start: 0, end: 2 }, { start: 3, end: 5 }]);
    expect(bucketsTouched([{ start: 0, end: 10 }, { start: 15, end: 21 }, { start: 29, end: 30 }], 0, 10)).toBe(3);
  });
});

describe("probe log and burn-rate rules", () => {
  it("appends one line per probe and skips a torn last line", () => {
    const file = join(mkdtempSync(join(tmpdir(), "mxa-log-")), "probes.jsonl");
    const log = new ProbeLog(file);
    log.append({ ts: "2026-04-01T00:00:00.000Z", ok: true, latencyMs: 12, intervalMs: 60_000 });
    log.close();
    const again = new ProbeLog(file);
    again.append({ ts: "2026-04-01T00:01:00.000Z", ok: false, latencyMs: 3, intervalMs: 60_000, error: "connect" });
    again.close();
    appendFileSync(file, '{"ts":"2026-04-01T00:02:00.000Z","ok":tr');
    const r = readProbeLog(file);
    expect(r.probes.map((p) => p.ok)).toEqual([true, false]);
    expect(r.skipped).toBe(1);
    writeFileSync(file, "");
  });

  it("rules for 99.9 % page at 14.4× and 6×, ticket at 3× and 1× the budget, with long and short windows", () => {
    const doc = parse(burnRateRules(0.999)) as { groups: { rules: { alert: string; expr: string; labels: { severity: string } }[] }[] };
    const rules = doc.groups[0]!.rules;
    expect(rules.map((r) => r.labels.severity)).toEqual(["page", "page", "ticket", "ticket"]);
    expect(rules[0]!.expr).toContain("mxaccept_probe_failures_total[1h]");
    expect(rules[0]!.expr).toContain("mxaccept_probe_total[5m]");
    expect(rules[0]!.expr).toContain("> 0.0144");
    expect(rules[3]!.expr).toContain("> 0.001");
    expect(burnRateRules(0.97)).toContain("> 0.432");
  });
});
