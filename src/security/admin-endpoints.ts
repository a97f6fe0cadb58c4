import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, sep } from "node:path";

/**
 * The Synapse admin API endpoints the harness itself uses (src/, fixtures/, scenarios/), as path templates with
 * `{}` for an id. SEC-admin-surface sends each with a normal user's token, aimed at that user's own objects,
 * so that an instance which wrongly accepts one only touches run-tagged data. test/security.test.ts fails when
 * the harness starts using an admin path that is missing here.
 */
export interface AdminEndpoint {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Template with `{}` placeholders, as the coverage check normalises source paths. */
  template: string;
  /** The concrete path for a user's own objects. */
  path(ids: OwnIds): string;
  body?: unknown;
}

export interface OwnIds {
  userId: string;
  roomId: string;
  eventId: string;
  mediaServer: string;
}

const e = encodeURIComponent;

export const HARNESS_ADMIN_ENDPOINTS: AdminEndpoint[] = [
  { method: "GET", template: "_synapse/admin/v1/users/{}/admin", path: (i) => `_synapse/admin/v1/users/${e(i.userId)}/admin` },
  { method: "GET", template: "_synapse/admin/v2/users/{}", path: (i) => `_synapse/admin/v2/users/${e(i.userId)}` },
  { method: "PUT", template: "_synapse/admin/v2/users/{}", path: (i) => `_synapse/admin/v2/users/${e(i.userId)}`, body: { admin: true } },
  { method: "GET", template: "_synapse/admin/v2/users", path: () => "_synapse/admin/v2/users?limit=1&guests=false" },
  { method: "POST", template: "_synapse/admin/v1/deactivate/{}", path: (i) => `_synapse/admin/v1/deactivate/${e(i.userId)}`, body: { erase: false } },
  { method: "POST", template: "_synapse/admin/v1/users/{}/override_ratelimit", path: (i) => `_synapse/admin/v1/users/${e(i.userId)}/override_ratelimit`, body: { messages_per_second: 0, burst_count: 0 } },
  { method: "GET", template: "_synapse/admin/v1/users/{}/joined_rooms", path: (i) => `_synapse/admin/v1/users/${e(i.userId)}/joined_rooms` },
  { method: "GET", template: "_synapse/admin/v1/users/{}/media", path: (i) => `_synapse/admin/v1/users/${e(i.userId)}/media` },
  { method: "DELETE", template: "_synapse/admin/v1/users/{}/media", path: (i) => `_synapse/admin/v1/users/${e(i.userId)}/media` },
  { method: "GET", template: "_synapse/admin/v1/rooms", path: () => "_synapse/admin/v1/rooms?limit=1" },
  { method: "GET", template: "_synapse/admin/v1/rooms/{}", path: (i) => `_synapse/admin/v1/rooms/${e(i.roomId)}` },
  { method: "GET", template: "_synapse/admin/v1/rooms/{}/state", path: (i) => `_synapse/admin/v1/rooms/${e(i.roomId)}/state` },
  { method: "GET", template: "_synapse/admin/v1/rooms/{}/messages", path: (i) => `_synapse/admin/v1/rooms/${e(i.roomId)}/messages` },
  { method: "DELETE", template: "_synapse/admin/v2/rooms/{}", path: (i) => `_synapse/admin/v2/rooms/${e(i.roomId)}`, body: {} },
  { method: "GET", template: "_synapse/admin/v2/rooms/delete_status/{}", path: (i) => `_synapse/admin/v2/rooms/delete_status/${e(i.roomId)}` },
  { method: "GET", template: "_synapse/admin/v2/rooms/{}/delete_status", path: (i) => `_synapse/admin/v2/rooms/${e(i.roomId)}/delete_status` },
  { method: "GET", template: "_synapse/admin/v1/fetch_event/{}", path: (i) => `_synapse/admin/v1/fetch_event/${e(i.eventId)}` },
  { method: "GET", template: "_synapse/admin/v2/users/{}/devices", path: (i) => `_synapse/admin/v2/users/${e(i.userId)}/devices` },
  { method: "POST", template: "_synapse/admin/v1/users/{}/login", path: (i) => `_synapse/admin/v1/users/${e(i.userId)}/login`, body: {} },
  { method: "POST", template: "_synapse/admin/v1/join/{}", path: (i) => `_synapse/admin/v1/join/${e(i.roomId)}`, body: { user_id: "@nobody:invalid" } },
  { method: "DELETE", template: "_synapse/admin/v1/media/{}/{}", path: (i) => `_synapse/admin/v1/media/${e(i.mediaServer)}/${e("mxaccept-no-such-media")}` },
  { method: "GET", template: "_synapse/admin/v2/rooms/{}/delete_status", path: (i) => `_synapse/admin/v2/rooms/${e(i.roomId)}/delete_status` },
  { method: "GET", template: "_synapse/admin/v1/rooms/{}/members", path: (i) => `_synapse/admin/v1/rooms/${e(i.roomId)}/members` },
  { method: "GET", template: "_synapse/admin/v1/room/{}/media", path: (i) => `_synapse/admin/v1/room/${e(i.roomId)}/media` },
  { method: "GET", template: "_synapse/admin/v1/media/{}/{}", path: (i) => `_synapse/admin/v1/media/${e(i.mediaServer)}/${e("mxaccept-no-such-media")}` },
  { method: "POST", template: "_synapse/admin/v1/purge_media_cache", path: () => `_synapse/admin/v1/purge_media_cache?before_ts=${Date.now() - 365 * 86_400_000}`, body: {} },
  { method: "GET", template: "_synapse/admin/v1/registration_tokens", path: () => "_synapse/admin/v1/registration_tokens" },
  { method: "GET", template: "_synapse/admin/v1/federation/destinations", path: () => "_synapse/admin/v1/federation/destinations?limit=1" },
  { method: "GET", template: "_synapse/admin/v1/statistics/users/media", path: () => "_synapse/admin/v1/statistics/users/media?limit=1" },
];

/**
 * Admin paths that answer without admin rights by design: the server version (no auth at all) and the
 * shared-secret registration (authenticated by the HMAC of the secret, not by a token).
 */
export const UNAUTHENTICATED_BY_DESIGN = ["_synapse/admin/v1/server_version", "_synapse/admin/v1/register"];

/** The path starting at `start` in source text, each `${…}` (nested braces included) replaced by `{}`. */
function pathTemplateAt(text: string, start: number): string {
  let out = "";
  let i = start;
  while (i < text.length) {
    if (text.startsWith("[^/]+", i)) {
      // A path segment matched by a regular expression (a browser journey waiting for the portal's request).
      out += "{}";
      i += 5;
    } else if (text.startsWith("${", i)) {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === "{") depth++;
        else if (text[i] === "}" && --depth === 0) break;
      }
      out += "{}";
      i++;
    } else if (/[A-Za-z0-9_/{}().]/.test(text[i]!)) {
      out += text[i++];
    } else break;
  }
  return out;
}

/** Every admin path template that appears in the harness's sources below `dirs`. */
export function adminPathsInSources(dirs: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      // The reference instance's generator names admin paths to route them (nginx locations); it sends no request.
      if (statSync(p).isDirectory()) {
        if (!p.endsWith(`${sep}src${sep}stack`)) walk(p);
      }
      else if (p.endsWith(".ts")) {
        const text = readFileSync(p, "utf8");
        for (const m of text.matchAll(/_synapse\/admin\/v\d\//g)) {
          // A routing pattern (nginx location regex "^/_synapse/admin/…") is no request the harness makes.
          if (text.slice(m.index - 2, m.index) === "^/") continue;
          const template = pathTemplateAt(text, m.index).replace(/\{[A-Za-z_]+\}/g, "{}").replace(/[).]+$/, "").replace(/\/$/, "");
          if (!found.has(template)) found.set(template, p);
        }
      }
    }
  };
  for (const d of dirs) walk(d);
  return found;
}
