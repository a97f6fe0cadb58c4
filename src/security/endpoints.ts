import type { Target } from "../config/target.ts";
import { scaled } from "../matrix/timeouts.ts";
import type { Endpoint } from "./transport.ts";

/**
 * The federation base URL of a server name, as a remote server finds it: an explicit port is used as is,
 * otherwise /.well-known/matrix/server (m.server), otherwise port 8448. (SRV records are not consulted.)
 */
export async function federationUrl(serverName: string): Promise<{ url: string; via: string }> {
  if (/:\d+$/.test(serverName)) return { url: `https://${serverName}`, via: "explicit port in the server name" };
  try {
    const res = await fetch(`https://${serverName}/.well-known/matrix/server`, { signal: AbortSignal.timeout(scaled(10_000)) });
    if (res.ok) {
      const delegated = ((await res.json()) as { "m.server"?: string })["m.server"];
      if (delegated) return { url: `https://${/:\d+$/.test(delegated) ? delegated : `${delegated}:8448`}`, via: ".well-known/matrix/server" };
    }
  } catch {
    // no delegation: fall through to the default port
  }
  return { url: `https://${serverName}:8448`, via: "default port 8448" };
}

/** A host name or address that only this machine reaches (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The instance's public endpoints, one per origin: every URL the target names (client, federation, scanner, IdP,
 * portals, web client, admin), except a URL on a loopback address while the client API is not on one. Such a URL
 * (an operator's port-forward to an internal admin port) is how the harness reaches the instance, not an endpoint
 * the instance serves to anyone: judging its transport would be a false failure. It is named in `leftOut`.
 */
export async function publicEndpoints(target: Target): Promise<{ endpoints: Endpoint[]; leftOut: string[] }> {
  const all = await targetEndpoints(target);
  if (isLoopbackHost(new URL(target.baseUrl).hostname)) return { endpoints: all, leftOut: [] };
  const internal = all.filter((e) => isLoopbackHost(new URL(e.url).hostname));
  return {
    endpoints: all.filter((e) => !internal.includes(e)),
    leftOut: internal.map((e) => `${e.role} ${e.url}: a loopback address while the client API is public, so not a public endpoint of the instance`),
  };
}

/** Every endpoint the target names (client, federation, scanner, IdP, portals, web client, admin), one per origin. */
export async function targetEndpoints(target: Target): Promise<Endpoint[]> {
  const fed = await federationUrl(target.serverName);
  const all: Endpoint[] = [
    { role: "client", url: target.baseUrl },
    { role: "federation", url: fed.url },
    ...(target.scannerUrl ? [{ role: "scanner", url: target.scannerUrl }] : []),
    ...(target.idp ? [{ role: "idp", url: target.idp.url }] : []),
    ...(target.idmPortalUrl ? [{ role: "idm-portal", url: target.idmPortalUrl }] : []),
    ...(target.appPortalUrl ? [{ role: "app-portal", url: target.appPortalUrl }] : []),
    ...(target.webClientUrl ? [{ role: "web-client", url: target.webClientUrl }] : []),
    ...(target.adminBaseUrl ? [{ role: "admin", url: target.adminBaseUrl }] : []),
  ];
  const byOrigin = new Map<string, Endpoint>();
  for (const e of all) {
    const origin = new URL(e.url).origin;
    const seen = byOrigin.get(origin);
    byOrigin.set(origin, seen ? { role: `${seen.role}+${e.role}`, url: seen.url } : { role: e.role, url: origin });
  }
  return [...byOrigin.values()];
}
