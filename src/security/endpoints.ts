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
