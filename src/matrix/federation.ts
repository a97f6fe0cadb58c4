import { requestJson, type JsonResponse } from "./http.ts";

/**
 * Federation checks seen from a user of one server: the server's published allowlist, and attempts (invite,
 * join, profile, room directory) whose refusal the harness asserts.
 */

export interface PublishedAllowlist {
  whitelist_enabled: boolean;
  whitelist: string[];
}

/**
 * The federation allowlist the server exposes to its users (`federation_whitelist_endpoint_enabled`), or
 * undefined when the server does not expose it.
 */
export async function publishedAllowlist(baseUrl: string, token: string): Promise<PublishedAllowlist | undefined> {
  const res = await requestJson<PublishedAllowlist>(baseUrl, "GET", "_synapse/client/v1/config/federation_whitelist", { token, accept: [404] });
  return res.status === 404 ? undefined : res.body;
}

/** The outcome of an attempt that must be refused: status and errcode, never thrown. */
export interface Attempt {
  what: string;
  status: number;
  errcode?: string;
  error?: string;
  body: Record<string, unknown>;
}

const REFUSALS = [400, 401, 403, 404, 500, 502, 503];

export async function attempt(what: string, baseUrl: string, method: string, path: string, token: string, body?: unknown, query?: Record<string, string>): Promise<Attempt> {
  const res: JsonResponse<Record<string, unknown>> = await requestJson(baseUrl, method, path, { token, body, query, accept: REFUSALS, timeoutMs: 60_000 });
  const b = res.body ?? {};
  return { what, status: res.status, errcode: b.errcode as string | undefined, error: b.error as string | undefined, body: b };
}

const enc = encodeURIComponent;

export const invite = (baseUrl: string, token: string, roomId: string, userId: string) =>
  attempt(`invite ${userId} into ${roomId}`, baseUrl, "POST", `_matrix/client/v3/rooms/${enc(roomId)}/invite`, token, { user_id: userId });

export const joinVia = (baseUrl: string, token: string, roomId: string, server: string) =>
  attempt(`join ${roomId} via ${server}`, baseUrl, "POST", `_matrix/client/v3/join/${enc(roomId)}`, token, {}, { server_name: server });

export const publicRoomsOf = (baseUrl: string, token: string, server: string) =>
  attempt(`room directory of ${server}`, baseUrl, "POST", "_matrix/client/v3/publicRooms", token, { limit: 100 }, { server });
