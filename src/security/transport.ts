import tls, { type SecureVersion } from "node:tls";
import net from "node:net";
import http from "node:http";
import { scaled } from "../matrix/timeouts.ts";

/**
 * Transport probes of one HTTPS endpoint, on the wire (node:tls / node:http, no fetch): which TLS versions the
 * server accepts, whether its chain verifies against the trust store in force (system store plus any CA added
 * with trustCa) and names the host, what plain HTTP on the same host gets, and its HSTS header.
 */

export const TLS_VERSIONS: SecureVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
export const MODERN: SecureVersion[] = ["TLSv1.2", "TLSv1.3"];

export interface Endpoint {
  /** What it is: client, federation, scanner, idp, idm-portal, app-portal, web-client, admin. */
  role: string;
  url: string;
}

function hostPort(url: string): { host: string; port: number; servername?: string } {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
  return { host, port, servername: net.isIP(host) ? undefined : host };
}

/** Whether the server completes a handshake pinned to exactly this TLS version. */
export function acceptsVersion(url: string, version: SecureVersion): Promise<{ accepted: boolean; detail: string }> {
  const { host, port, servername } = hostPort(url);
  return new Promise((resolve) => {
    // SECLEVEL=0 so that this client offers the old versions and ciphers at all: a refusal then comes from the server.
    const socket = tls.connect({ host, port, servername, minVersion: version, maxVersion: version, ciphers: "DEFAULT:@SECLEVEL=0", rejectUnauthorized: false, timeout: scaled(10_000) });
    const done = (accepted: boolean, detail: string) => {
      socket.destroy();
      resolve({ accepted, detail });
    };
    socket.once("secureConnect", () => done(true, socket.getProtocol() ?? version));
    socket.once("error", (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
    socket.once("timeout", () => done(false, "timeout"));
  });
}

export interface VersionReport {
  accepted: SecureVersion[];
  refused: Record<string, string>;
}

export async function tlsVersions(url: string): Promise<VersionReport> {
  const accepted: SecureVersion[] = [];
  const refused: Record<string, string> = {};
  for (const v of TLS_VERSIONS) {
    const r = await acceptsVersion(url, v);
    if (r.accepted) accepted.push(v);
    else refused[v] = r.detail;
  }
  return { accepted, refused };
}

export interface ChainReport {
  /** The chain verifies against the trust store in force. */
  verified: boolean;
  /** The certificate names the host (subjectAltName / CN). */
  namesHost: boolean;
  error?: string;
  subject?: string;
  issuer?: string;
  subjectAltName?: string;
  validTo?: string;
  protocol?: string;
}

/** Connects with the default trust store (system store plus trustCa) and checks the chain and the host name. */
export function verifyChain(url: string): Promise<ChainReport> {
  const { host, port, servername } = hostPort(url);
  return new Promise((resolve) => {
    // The host name is checked apart (below), so that `authorized` speaks of the chain alone.
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false, checkServerIdentity: () => undefined, timeout: scaled(10_000) });
    const finish = (r: ChainReport) => {
      socket.destroy();
      resolve(r);
    };
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const identity = tls.checkServerIdentity(host, cert);
      finish({
        verified: socket.authorized,
        namesHost: identity === undefined,
        error: [socket.authorizationError?.toString(), identity?.message].filter(Boolean).join("; ") || undefined,
        subject: cert.subject?.CN === undefined ? undefined : String(cert.subject.CN),
        issuer: cert.issuer ? String(cert.issuer.CN ?? cert.issuer.O) : undefined,
        subjectAltName: cert.subjectaltname,
        validTo: cert.valid_to,
        protocol: socket.getProtocol() ?? undefined,
      });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => finish({ verified: false, namesHost: false, error: e.code ?? e.message }));
    socket.once("timeout", () => finish({ verified: false, namesHost: false, error: "timeout" }));
  });
}

export interface PlainHttpReport {
  url: string;
  /**
   * refused: no HTTP answer (connection refused, reset, closed, timeout) or an HTTP error status (4xx/5xx, such as
   * nginx's 400 "The plain HTTP request was sent to HTTPS port"): nothing is served over plain HTTP;
   * redirect: 3xx to https; served: content over plain HTTP (2xx, or 3xx to anything but https).
   */
  outcome: "refused" | "redirect" | "served";
  status?: number;
  location?: string;
  detail: string;
}

/** The plain-HTTP URL of an https endpoint: the same port when it is explicit, else 80. */
export function plainUrl(url: string, path = "/_matrix/client/versions"): string {
  const u = new URL(url);
  const port = u.port || "80";
  return `http://${u.hostname}:${port}${path}`;
}

/** How a plain-HTTP answer with this status (and Location) counts: an error status refuses, a redirect must lead to https. */
export function plainOutcome(status: number, location: string | undefined): PlainHttpReport["outcome"] {
  if (status >= 400) return "refused";
  if (status >= 300 && status < 400) return typeof location === "string" && /^https:\/\//i.test(location) ? "redirect" : "served";
  return "served";
}

/** What a plain HTTP request to the endpoint's host gets. */
export function plainHttp(url: string, path?: string): Promise<PlainHttpReport> {
  const target = plainUrl(url, path);
  return new Promise((resolve) => {
    const req = http.get(target, { timeout: scaled(10_000), headers: { Accept: "application/json" } }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      res.resume();
      resolve({ url: target, outcome: plainOutcome(status, location), status, location, detail: `HTTP ${status}${location ? ` → ${location}` : ""}${status >= 400 ? " (an error status: nothing served)" : ""}` });
    });
    req.once("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.once("error", (e: NodeJS.ErrnoException) => resolve({ url: target, outcome: "refused", detail: e.code ?? e.message }));
  });
}

export interface HstsReport {
  header?: string;
  maxAge?: number;
}

/** The Strict-Transport-Security header of the endpoint's answer to GET `path`. */
export async function hsts(url: string, path = "/"): Promise<HstsReport> {
  const res = await fetch(new URL(path, url), { redirect: "manual", signal: AbortSignal.timeout(scaled(10_000)) });
  await res.body?.cancel();
  const header = res.headers.get("strict-transport-security") ?? undefined;
  const maxAge = header ? Number(/max-age=(\d+)/i.exec(header)?.[1]) : undefined;
  return { header, maxAge: Number.isFinite(maxAge) ? maxAge : undefined };
}

/** One year, the usual minimum for HSTS (and the preload list's). */
export const HSTS_MIN_AGE_S = 31_536_000;
