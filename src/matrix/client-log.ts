/**
 * What the harness's clients did, for a failed check's attachment: every request through `matrixFetch` (the raw
 * API calls, the plain bot's, matrix-js-sdk's) with its status, errcode and time, and matrix-js-sdk's warnings
 * and errors. One log per process: a Playwright worker runs one test at a time, and the fixture clears the log
 * when a test begins, so what it holds at the end is that test's. Never holds a token or a body: URLs have access_token values redacted, and a request
 * is named by the user whose token it carried (`nameToken`), not by the token.
 */
export interface ClientLogEntry {
  at: number;
  /** "http" for a request, "sdk" for a matrix-js-sdk log line. */
  kind: "http" | "sdk";
  who?: string;
  text: string;
}

const MAX = 20_000;
const entries: ClientLogEntry[] = [];
let dropped = 0;
const names = new Map<string, string>();

/** Drops query values that can carry secrets (access_token) from a URL for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(access_token=)[^&]+/g, "$1<redacted>");
}

/** Requests that carry this token are logged as this user's (the token itself is never logged). */
export function nameToken(token: string, who: string): void {
  if (token) names.set(token, who);
}

function push(e: ClientLogEntry): ClientLogEntry {
  entries.push(e);
  if (entries.length > MAX) {
    dropped += entries.length - MAX;
    entries.splice(0, entries.length - MAX);
  }
  return e;
}

/** The user a request's Authorization header names, else "-" (anonymous) or "unknown token". */
function whoOf(headers: HeadersInit | undefined): string {
  const auth = new Headers(headers).get("authorization");
  if (!auth) return "-";
  return names.get(auth.replace(/^Bearer\s+/i, "")) ?? "unnamed token";
}

/** Starts a request's entry; the returned function completes it with what the server answered. */
export function logRequest(method: string, url: string, headers: HeadersInit | undefined): (outcome: { status?: number; errcode?: string; error?: string }) => void {
  const t0 = Date.now();
  const u = new URL(url);
  const e = push({ at: t0, kind: "http", who: whoOf(headers), text: `${method} ${redactUrl(`${u.origin}${u.pathname}${u.search}`)}` });
  return (o) => {
    e.text += ` → ${o.status ?? "no answer"}${o.errcode ? ` ${o.errcode}` : ""}${o.error ? ` (${o.error})` : ""} ${Date.now() - t0} ms`;
  };
}

/** A matrix-js-sdk log line (warnings and errors), with the user whose client wrote it. */
export function logSdk(who: string, level: string, msg: unknown[]): void {
  const text = msg.map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : safeJson(m))).join(" ");
  const redacted = redactUrl(text).replace(/(Bearer\s+)\S+/g, "$1<redacted>").replace(/("?(?:access|refresh)_token"?\s*[:=]\s*"?)[^"&\s,}]+/g, "$1<redacted>");
  push({ at: Date.now(), kind: "sdk", who, text: `${level}: ${redacted.slice(0, 2000)}` });
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Everything logged since the last `clearClientLog()`, one line each (ISO time, kind, who, what), oldest first. */
export function clientLogText(): string {
  const lines = entries.map((e) => `${new Date(e.at).toISOString()} ${e.kind} ${e.who ?? "-"} ${e.text}`);
  return [...(dropped ? [`(${dropped} earlier entries dropped: the log keeps the last ${MAX})`] : []), ...lines].join("\n");
}

/** Forgets every entry (a new test begins). */
export function clearClientLog(): void {
  entries.length = 0;
  dropped = 0;
}
