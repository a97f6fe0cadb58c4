import { requestJson } from "../matrix/http.ts";
import { scaled } from "../matrix/timeouts.ts";
import { parseMxc } from "../matrix/attachments.ts";

/**
 * What an anonymous request (no access token) gets from a homeserver. Each probe returns the status the
 * instance answered and whether that is a refusal; a served answer is a finding.
 */

export interface AnonProbe {
  what: string;
  path: string;
  status: number;
  refused: boolean;
  errcode?: string;
}

const refusal = (status: number) => status === 401 || status === 403 || status === 404;

async function anon(baseUrl: string, what: string, method: string, path: string, body?: unknown): Promise<AnonProbe> {
  const res = await requestJson<{ errcode?: string }>(baseUrl, method, path, { body, accept: [400, 401, 403, 404, 405] });
  return { what, path, status: res.status, refused: refusal(res.status), errcode: res.body?.errcode };
}

/** The public room directory (GET and POST /publicRooms) without a login. */
export async function anonymousDirectory(baseUrl: string): Promise<AnonProbe[]> {
  return [
    await anon(baseUrl, "room directory (GET)", "GET", "_matrix/client/v3/publicRooms"),
    await anon(baseUrl, "room directory (POST)", "POST", "_matrix/client/v3/publicRooms", { limit: 5 }),
  ];
}

/** A user's profile without a login. */
export async function anonymousProfile(baseUrl: string, userId: string): Promise<AnonProbe[]> {
  const p = `_matrix/client/v3/profile/${encodeURIComponent(userId)}`;
  return [await anon(baseUrl, "profile look-up", "GET", p), await anon(baseUrl, "display name look-up", "GET", `${p}/displayname`)];
}

/** A media file without a login, on the authenticated and the legacy download path (raw bytes, not JSON). */
export async function anonymousMedia(baseUrl: string, mxc: string): Promise<AnonProbe[]> {
  const { server, mediaId } = parseMxc(mxc);
  const ids = `${encodeURIComponent(server)}/${encodeURIComponent(mediaId)}`;
  const out: AnonProbe[] = [];
  for (const [what, path] of [["media download (client v1)", `_matrix/client/v1/media/download/${ids}`], ["media download (legacy v3)", `_matrix/media/v3/download/${ids}`], ["media thumbnail (legacy v3)", `_matrix/media/v3/thumbnail/${ids}?width=32&height=32`]] as const) {
    const res = await fetch(new URL(path, `${baseUrl}/`), { signal: AbortSignal.timeout(scaled(30_000)) });
    const text = await res.text();
    let errcode: string | undefined;
    try {
      errcode = (JSON.parse(text) as { errcode?: string }).errcode;
    } catch {
      errcode = undefined;
    }
    // 400 on a thumbnail of a non-image is not serving the file either.
    out.push({ what, path, status: res.status, refused: refusal(res.status) || (res.status === 400 && what.includes("thumbnail")), errcode });
  }
  return out;
}

/** The findings among probes: the ones the instance answered instead of refusing. */
export function served(probes: AnonProbe[]): string[] {
  return probes.filter((p) => !p.refused).map((p) => `${p.what} answered ${p.status} without a login`);
}
