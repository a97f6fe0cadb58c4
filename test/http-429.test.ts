import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { requestJson, throttleStats, MatrixError } from "../src/matrix/http.ts";

// A local endpoint that throttles like Synapse: 429 M_LIMIT_EXCEEDED with retry_after_ms, then answers.
describe("429-aware request path", () => {
  let server: Server;
  let base = "";
  const hits: number[] = [];
  beforeAll(async () => {
    let n = 0;
    server = createServer((req, res) => {
      hits.push(Date.now());
      res.setHeader("Content-Type", "application/json");
      if (req.url === "/throttled-twice" && n++ < 2) {
        res.statusCode = 429;
        res.end(JSON.stringify({ errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retry_after_ms: 150 }));
      } else if (req.url === "/forbidden") {
        res.statusCode = 403;
        res.end(JSON.stringify({ errcode: "M_FORBIDDEN", error: "nope" }));
      } else {
        res.end(JSON.stringify({ ok: true }));
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("waits retry_after_ms, retries, and counts the throttling", async () => {
    const before = { ...throttleStats };
    const res = await requestJson<{ ok: boolean }>(base, "GET", "throttled-twice");
    expect(res.body.ok).toBe(true);
    expect(hits).toHaveLength(3);
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(150);
    expect(hits[2]! - hits[1]!).toBeGreaterThanOrEqual(150);
    expect(throttleStats.throttled - before.throttled).toBe(2);
    expect(throttleStats.waitedMs - before.waitedMs).toBeGreaterThanOrEqual(300);
  });

  it("throws a MatrixError with status and errcode for other failures, and returns accepted statuses", async () => {
    await expect(requestJson(base, "GET", "forbidden")).rejects.toMatchObject({ status: 403, errcode: "M_FORBIDDEN" });
    await expect(requestJson(base, "GET", "forbidden")).rejects.toBeInstanceOf(MatrixError);
    expect((await requestJson(base, "GET", "forbidden", { accept: [403] })).status).toBe(403);
  });
});
