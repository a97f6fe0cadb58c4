import https from "node:https";
import http from "node:http";
import { randomInt } from "node:crypto";
import { scaled } from "../matrix/timeouts.ts";

/**
 * Wrong-password logins for one account until the instance throttles (429) or a bound is reached. The loop is
 * bounded by `maxAttempts` and stops at the first 429. Against a loopback target the attempts come from their own
 * loopback source address (127.0.x.y), so Synapse's per-address login limiter (rc_login.address) counts them
 * apart from the logins of the other tests of the run.
 *
 * Then `perAccount` tells a throttle of the attacked account (one that counts its failed logins, Synapse's
 * rc_login.failed_attempts) from a general limiter of the source address (rc_login.address, a proxy's request
 * limit): right after the 429, the attacked account logs in with its correct password from a second loopback
 * address (only possible against a loopback target): still 429, while another account logs in from that second
 * address (so the server tells the addresses apart: a proxy that hides the client's address would not), proves the
 * account's throttle. Otherwise another
 * account logs in with its correct password from the first address: 200 proves a throttle of the account (from
 * that address), 429 a general limiter.
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
  /** When the 429 came (Date.now()). */
  throttledAtMs?: number;
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

/** A random loopback source address other than `not` (127.0.x.y), for a loopback target; else undefined (the default route). */
export function loopbackSource(baseUrl: string, not?: string): string | undefined {
  if (!isLoopback(new URL(baseUrl).hostname)) return undefined;
  for (;;) {
    const a = `127.0.${randomInt(1, 255)}.${randomInt(2, 255)}`;
    if (a !== not) return a;
  }
}

export async function wrongPasswordsUntilThrottled(baseUrl: string, localpart: string, maxAttempts: number): Promise<BruteForceResult> {
  const url = new URL("_matrix/client/v3/login", `${baseUrl}/`);
  const sourceAddress = loopbackSource(baseUrl);
  const attempts: Attempt[] = [];
  for (let n = 1; n <= maxAttempts; n++) {
    const res = await postJson(url, { type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password: `wrong-${n}-${randomInt(1e9)}` }, sourceAddress);
    const retry = res.body.retry_after_ms;
    attempts.push({ n, status: res.status, errcode: typeof res.body.errcode === "string" ? res.body.errcode : undefined, ...(typeof retry === "number" ? { retryAfterMs: retry } : {}) });
    if (res.status === 429) return { attempts, throttledAt: n, sourceAddress, throttledAtMs: Date.now() };
    if (res.status !== 403) throw new Error(`login with a wrong password answered ${res.status} (expected 403 M_FORBIDDEN or 429): ${JSON.stringify(res.body)}`);
  }
  return { attempts, sourceAddress };
}

export interface LoginProbe {
  who: "other account, same address" | "attacked account, other address" | "other account, other address";
  account: string;
  sourceAddress?: string;
  status: number;
  errcode?: string;
  retryAfterMs?: number;
  /** Milliseconds from the attacked account's 429 to sending this login. */
  sentAfterMs: number;
  /** Milliseconds from the attacked account's 429 to this login's answer. */
  afterThrottleMs: number;
}

export interface PerAccountVerdict {
  /** per-account: proven; general: the 429 came from a limiter that does not count the account's failed logins; undecided: cannot tell. */
  verdict: "per-account" | "general" | "undecided";
  reason: string;
  probes: LoginProbe[];
}

/** A correct password login from a source address; a successful login's token is logged out again. */
async function correctLogin(baseUrl: string, localpart: string, password: string, sourceAddress: string | undefined): Promise<{ status: number; errcode?: string; retryAfterMs?: number }> {
  const url = new URL("_matrix/client/v3/login", `${baseUrl}/`);
  const res = await postJson(url, { type: "m.login.password", identifier: { type: "m.id.user", user: localpart }, password, initial_device_display_name: "mxaccept bruteforce probe" }, sourceAddress);
  if (res.status === 200 && typeof res.body.access_token === "string") {
    await fetch(new URL("_matrix/client/v3/logout", `${baseUrl}/`), { method: "POST", headers: { Authorization: `Bearer ${res.body.access_token}`, "Content-Type": "application/json" }, body: "{}", signal: AbortSignal.timeout(scaled(15_000)) }).then((r) => r.body?.cancel()).catch(() => undefined);
  }
  const retry = res.body.retry_after_ms;
  return { status: res.status, ...(typeof res.body.errcode === "string" ? { errcode: res.body.errcode } : {}), ...(typeof retry === "number" ? { retryAfterMs: retry } : {}) };
}

/**
 * Whether the 429 that `throttled` got is a throttle of the attacked account: see the module comment. A probe
 * that comes later than the 429's retry_after_ms cannot decide (the throttle may have lapsed).
 */
export async function perAccount(baseUrl: string, throttled: BruteForceResult, attacked: { localpart: string; password: string }, other: { localpart: string; password: string }): Promise<PerAccountVerdict> {
  const at = throttled.throttledAtMs!;
  const window = throttled.attempts.at(-1)?.retryAfterMs ?? 0;
  const probes: LoginProbe[] = [];
  const probe = async (who: LoginProbe["who"], account: { localpart: string; password: string }, sourceAddress: string | undefined) => {
    // A limiter decides some time between sending and the answer (a loaded server may queue the request): a
    // probe counts as within the 429's window only when its answer came within it.
    const sent = Date.now();
    const r = await correctLogin(baseUrl, account.localpart, account.password, sourceAddress);
    const p: LoginProbe = { who, account: account.localpart, ...(sourceAddress ? { sourceAddress } : {}), ...r, sentAfterMs: sent - at, afterThrottleMs: Date.now() - at };
    probes.push(p);
    return p;
  };
  const late = (p: LoginProbe) => p.afterThrottleMs >= window;
  const unexpected = (p: LoginProbe) => p.status !== 200 && p.status !== 429;

  // First the attacked account from a second address, right after the 429 (before any throttle can lapse).
  const second = loopbackSource(baseUrl, throttled.sourceAddress);
  if (second) {
    const elsewhere = await probe("attacked account, other address", attacked, second);
    if (unexpected(elsewhere)) throw new Error(`a correct login of the attacked account from another address answered ${elsewhere.status} ${elsewhere.errcode ?? ""} (expected 200 or 429)`);
    if (elsewhere.status === 429) {
      // Only if the server tells the two addresses apart: another account logs in from the second address. A proxy
      // that hides the client's address (or a limiter of all logins) throttles that one too, and proves nothing.
      const control = await probe("other account, other address", other, second);
      if (unexpected(control)) throw new Error(`a correct login of another account from the second address answered ${control.status} ${control.errcode ?? ""} (expected 200 or 429)`);
      if (control.status === 200) {
        return { verdict: "per-account", reason: `the attacked account stayed throttled from another source address ${second} (429 for its correct password, ${elsewhere.afterThrottleMs} ms after the first 429), while another account logged in from that address`, probes };
      }
      // Both throttled from the second address: the addresses are not told apart; decide from the first address.
    }
    if (late(elsewhere)) {
      return { verdict: "undecided", reason: `the attacked account logged in from another address, but its answer came ${elsewhere.afterThrottleMs} ms after the 429, later than the retry_after_ms of ${window} ms: the throttle may have lapsed`, probes };
    }
  }
  // The account is not throttled everywhere (or no second address is available): the 429 is the account's only
  // if another account still logs in from the throttled address.
  const same = await probe("other account, same address", other, throttled.sourceAddress);
  if (unexpected(same)) throw new Error(`a correct login of another account answered ${same.status} ${same.errcode ?? ""} (expected 200 or 429)`);
  if (same.status === 200) {
    // Only within the 429's retry_after_ms: later, a limiter of the address may have let up as well.
    if (late(same)) return { verdict: "undecided", reason: `another account logged in from the same address, but its answer came ${same.afterThrottleMs} ms after the 429, later than its retry_after_ms of ${window} ms: a limiter of the address may have let up`, probes };
    return { verdict: "per-account", reason: `within the 429's retry_after_ms, another account logged in from the same address (answered ${same.afterThrottleMs} ms later): the throttle is the attacked account's${second ? ` (from that address: it logged in from ${second})` : ""}`, probes };
  }
  if (!second) {
    return { verdict: "undecided", reason: `after the attacked account's 429 the same address was throttled for another account too (429), and the target is not on loopback, so no second source address can tell a throttle of the account from a general limiter of the address`, probes };
  }
  return {
    verdict: "general",
    reason: `the 429 came from a general limiter that does not count failed logins of the account: right after it, the attacked account logged in from another address ${second} (200, answered ${probes[0]!.afterThrottleMs} ms after its 429, within its retry_after_ms of ${window} ms), and another account was throttled from the first address too (429)`,
    probes,
  };
}
