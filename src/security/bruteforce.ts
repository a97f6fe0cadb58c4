import https from "node:https";
import http from "node:http";
import { randomInt } from "node:crypto";
import { scaled } from "../matrix/timeouts.ts";

/**
 * Wrong-password logins for one account until the instance throttles (429) or a bound is reached. The loop is
 * bounded by `maxAttempts` and stops at the first 429. Against a loopback target the attempts come from their own
 * loopback source address (127.0.0.x), so Synapse's per-address login limiter (rc_login.address) counts them
 * apart from the logins of the other tests of the run.
 */

export interface Attempt {
  n: number;
  status: number;
  errcode?: string;
  retryAfterMs?: number;
}

export interface BruteForceResult {
  attempts: Attempt[];
  /** The attempt that got 429, if any. */
  throttledAt?: number;
  sourceAddress?: string;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || /^127\./.test(host) || host === "::1" || host === "[::1]";
}

function postJson(url: URL, body: unknown, localAddress?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const data = JSON.stringify(body);
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) },
      timeout: scaled(30_000),
      ...(localAddress ? { localAddress, family: 4 } : {}),
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = {};
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.once("timeout", () => req.destroy(new Error(`POST ${url.origin}${url.pathname} timed out`)));
    req.once("error", reject);
    req.end(data);
  });
}

export async function wrongPasswordsUntilThrottled(baseUrl: string, localpart: string, maxAttempts: number): Promise<BruteForceResult> {
  const url = new URL("_matrix/client/v3/login", `${baseUrl}/`);
  const sourceAddress = isLoopback(url.hostname) ? `127.0.${randomInt(1, 255)}.${randomInt(2, 255)}` : undefined;
  const attempts: Attempt[] = [];
  for (let n = 1; n <= maxAttempts; n++) {
    const res = await postJson(url, { type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: `wrong-${n}-${randomInt(1e9)}` }, sourceAddress);
    const retry = res.body.retry_after_ms;
    attempts.push({ n, status: res.status, errcode: typeof res.body.errcode === "string" ? res.body.errcode : undefined, ...(typeof retry === "number" ? { retryAfterMs: retry } : {}) });
    if (res.status === 429) return { attempts, throttledAt: n, sourceAddress };
    if (res.status !== 403) throw new Error(`login with a wrong password answered ${res.status} (expected 403 M_FORBIDDEN or 429): ${JSON.stringify(res.body)}`);
  }
  return { attempts, sourceAddress };
}
