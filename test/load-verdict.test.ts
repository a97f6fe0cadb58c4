import { describe, expect, test } from "vitest";
import type { LoadResult } from "../src/load/engine.ts";
import { LatencyHistogram } from "../src/load/histogram.ts";
import { judge, knee, type LevelResult } from "../src/load/verdict.ts";
import { isLoopback } from "../src/cli/load.ts";

const targets = { sendP99Ms: 1000, deliveryP99Ms: 2000, maxErrorRate: 0.001 };

function level(rate: number, p99: number, extra: Partial<LoadResult> = {}, deliveryP99 = p99, lost = 0): LevelResult {
  const lat = { count: 1000, p50: p99 / 2, p95: p99 * 0.9, p99, p999: p99, max: p99, mean: p99 / 2 };
  return {
    request: { engine: "autocannon", scenario: "send", rate, durationMs: 10_000, warmupMs: 2000, intended: 1000, started: 1000, ok: 1000, throttled: 0, errors: 0, achievedRate: rate, latency: lat, lateShare: 0, generatorCpu: 0.1, valid: true, ...extra },
    delivery: { delivered: 1000 - lost, lost, latency: { ...lat, p99: deliveryP99 }, lossRate: lost / 1000 },
  };
}

describe("load verdict", () => {
  test("passes when latency and errors keep the targets", () => {
    expect(judge(level(10, 500), targets)).toEqual({ pass: true, reasons: [] });
  });
  test("fails on request p99, delivery p99, errors, lost messages and an invalid run", () => {
    expect(judge(level(10, 1500), targets).reasons.join()).toMatch(/request p99 1500 ms above 1000 ms/);
    expect(judge(level(10, 500, {}, 2500), targets).reasons.join()).toMatch(/delivery p99 2500 ms above 2000 ms/);
    expect(judge(level(10, 500, { errors: 2 }), targets).reasons.join()).toMatch(/error rate 0.20 %/);
    expect(judge(level(10, 500, {}, 500, 2), targets).reasons.join()).toMatch(/2 lost/);
    expect(judge(level(10, 500, { valid: false, invalidReason: "late" }), targets).reasons.join()).toMatch(/invalid run: late/);
  });
  test("429s are counted apart and are not errors", () => {
    expect(judge(level(10, 500, { throttled: 50 }), targets).pass).toBe(true);
  });
  test("the knee is the highest rate before the first level that misses the targets", () => {
    expect(knee([level(40, 3000), level(10, 300), level(20, 800), level(80, 500)], targets)?.request.rate).toBe(20);
    expect(knee([level(10, 3000)], targets)).toBeUndefined();
  });
});

describe("latency histogram", () => {
  test("reports percentiles in ms at microsecond resolution", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.max).toBeCloseTo(100, 0);
  });
});

describe("loopback guard", () => {
  test.each([
    ["http://127.0.0.1:8008", true],
    ["https://localhost:4443", true],
    ["http://[::1]:80", true],
    ["https://matrix.example.org", false],
    ["http://10.0.0.1", false],
    ["http://127.0.10.1:8008", true],
  ])("%s → %s", async (url, expected) => {
    expect(await isLoopback(url)).toBe(expected);
  });
  test("a host name is resolved first: loopback when every address it resolves to is", async () => {
    const hosts: Record<string, string[]> = { "hs1.mxaccept.test": ["127.0.10.1"], "mixed.example": ["127.0.0.1", "192.0.2.7"], "v6.example": ["::1"] };
    const lookup = async (h: string) => {
      if (!hosts[h]) throw new Error(`ENOTFOUND ${h}`);
      return hosts[h];
    };
    expect(await isLoopback("https://hs1.mxaccept.test:8448", lookup), "a name resolving to 127.0.10.1").toBe(true);
    expect(await isLoopback("https://v6.example", lookup)).toBe(true);
    expect(await isLoopback("https://mixed.example", lookup), "one address off loopback").toBe(false);
    expect(await isLoopback("https://nowhere.example", lookup), "a name that does not resolve").toBe(false);
  });
});
