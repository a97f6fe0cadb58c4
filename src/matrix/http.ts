import { scaled, backoff } from "./timeouts.ts";
import { logRequest, redactUrl } from "./client-log.ts";

export { redactUrl };

/**
 * The harness's request path: every request to a homeserver goes through `matrixFetch` (also matrix-js-sdk's,
 * through `fetchFn`). A 429 is retried after the server's retry_after_ms (or Retry-After), up to a budget, and
 * counted, so reports can show throttling apart from errors.
 */

export const throttleStats = { throttled: 0, waitedMs: 0 };

export class MatrixError extends Error {
  readonly status: number;
  readonly errcode?: string;
  readonly body: unknown;
  constructor(method: string, url: string, status: number, body: unknown) {
    const b = (body ?? {}) as { errcode?: string; error?: string };
    super(`${method} ${redactUrl(url)} → ${status}${b.errcode ? ` ${b.errcode}` : ""}${b.error ? `: ${b.error}` : ""}`);
    this.name = "MatrixError";
    this.status = status;
    this.errcode = b.errcode;
    this.body = body;
  }
}

const MAX_THROTTLE_WAIT_MS = 120_000;

function retryAfterMs(res: Response, body: unknown): number {
  const fromBody = (body as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
  if (typeof fromBody === "number" && fromBody >= 0) return fromBody;
  const header = Number(res.headers.get("retry-after"));
  return Number.isFinite(header) && header >= 0 ? header * 1000 : 1000;
}

/** fetch with 429 handling; the body of a 429 is consumed, any other response is returned as is. */
export async function matrixFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  let waited = 0;
  const method = init?.method ?? (input instanceof Request ? input.method : "GET");
  const url = input instanceof Request ? input.url : String(input);
  for (;;) {
    const req = input instanceof Request ? input.clone() : input;
    const done = logRequest(method, url, init?.headers ?? (input instanceof Request ? input.headers : undefined));
    let res: Response;
    try {
      res = await fetch(req, init);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      done({ error: cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (e as Error).message });
      throw e;
    }
    if (res.status < 400) done({ status: res.status });
    else void res.clone().json().then((b: { errcode?: string }) => done({ status: res.status, errcode: b?.errcode }), () => done({ status: res.status }));
    if (res.status !== 429) return res;
    let body: unknown;
    try {
      body = await res.clone().json();
    } catch {
      body = undefined;
    }
    const wait = Math.min(retryAfterMs(res, body) + 50, MAX_THROTTLE_WAIT_MS);
    if (waited + wait > scaled(MAX_THROTTLE_WAIT_MS)) return res;
    throttleStats.throttled++;
    throttleStats.waitedMs += wait;
    waited += wait;
    await backoff(wait, init?.signal ?? undefined);
  }
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** A form body (application/x-www-form-urlencoded) instead of JSON: OAuth 2.0 token requests. */
  form?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** Statuses that are returned as results instead of thrown. */
  accept?: number[];
  timeoutMs?: number;
}

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/**
 * A request that may get no HTTP answer at all (nothing listening, TLS refused, a timeout), for probes of what a
 * URL serves that need not be JSON (metrics): the status and body text, or what the transport said (its error
 * code). Never throws; through `matrixFetch`, so it is in the client log.
 */
export async function tryFetchText(url: string | URL, opts: { token?: string; redirect?: RequestRedirect; timeoutMs?: number } = {}): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const res = await matrixFetch(url, { headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {}, redirect: opts.redirect, signal: AbortSignal.timeout(scaled(opts.timeoutMs ?? 60_000)) });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    return { error: (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message };
  }
}

/**
 * The server's clock, as the HTTP Date header of GET /_matrix/client/versions gives it (whole seconds, rounded
 * down, so a time it shows has passed on the server): for checks whose condition is the server's own time.
 */
export async function serverClock(baseUrl: string): Promise<number> {
  const url = new URL("_matrix/client/versions", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  const res = await matrixFetch(url, { signal: AbortSignal.timeout(scaled(30_000)) });
  await res.body?.cancel();
  const t = Date.parse(res.headers.get("date") ?? "");
  if (!Number.isFinite(t)) throw new Error(`GET ${url.origin}${url.pathname} → ${res.status} without a Date header`);
  return t;
}

/** A JSON request to a Matrix API; throws MatrixError on a status outside 2xx and `accept`. */
export async function requestJson<T = unknown>(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<JsonResponse<T>> {
  const url = new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  } else if (opts.form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(opts.form).toString();
  }
  let res: Response;
  try {
    res = await matrixFetch(url, { method, headers, body, signal: AbortSignal.timeout(scaled(opts.timeoutMs ?? 60_000)) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${method} ${url.origin}${url.pathname} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { error: text.slice(0, 200) };
  }
  if ((res.status < 200 || res.status > 299) && !(opts.accept ?? []).includes(res.status)) {
    throw new MatrixError(method, url.toString(), res.status, parsed);
  }
  return { status: res.status, body: parsed as T };
}
