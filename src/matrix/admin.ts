import { requestJson, type RequestOptions } from "./http.ts";
import { waitFor, StopWaiting } from "./timeouts.ts";

/** A typed client for the subset of the Synapse admin API the harness uses. */
export interface AdminUser {
  name: string;
  admin: boolean;
  deactivated: boolean;
  displayname?: string | null;
  creation_ts?: number;
  threepids?: { medium: string; address: string }[];
  avatar_url?: string | null;
}

export interface RoomDetails {
  room_id: string;
  name?: string | null;
  creator?: string;
  joined_members?: number;
  encryption?: string | null;
}

export interface RoomEventRecord {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
}

const enc = encodeURIComponent;

export class AdminClient {
  /** Where /_synapse/admin requests go (the deployment's admin URL). */
  readonly baseUrl: string;
  /** Where the client API requests the admin makes go (whoami, media config): the deployment's client URL. */
  readonly clientUrl: string;
  readonly #token: string;

  /** Made by src/matrix/deployment.ts (`server.admin(token)`), which knows both URLs. */
  constructor(baseUrl: string, token: string, clientUrl: string = baseUrl) {
    this.baseUrl = baseUrl;
    this.clientUrl = clientUrl;
    this.#token = token;
  }

  request<T>(method: string, path: string, opts: RequestOptions = {}) {
    const base = path.replace(/^\//, "").startsWith("_synapse/") ? this.baseUrl : this.clientUrl;
    return requestJson<T>(base, method, path, { ...opts, token: this.#token });
  }

  async serverVersion(): Promise<string> {
    return (await this.request<{ server_version: string }>("GET", "_synapse/admin/v1/server_version")).body.server_version;
  }

  /** The user behind the admin token, and whether the server says it is an admin. */
  /**
   * Whose token this is and whether the admin API takes it as an admin's: the user list answers an admin (200) and
   * refuses anyone else (403), with and without delegated login (under MAS, admin rights are the token's
   * `urn:synapse:admin:*` scope, and `/v1/users/<id>/admin` is not there).
   */
  async whoami(): Promise<{ userId: string; admin: boolean }> {
    const me = await this.request<{ user_id: string }>("GET", "_matrix/client/v3/account/whoami");
    const list = await this.request("GET", "_synapse/admin/v2/users", { query: { limit: 1, guests: false }, accept: [403] });
    return { userId: me.body.user_id, admin: list.status === 200 };
  }

  async getUser(userId: string): Promise<AdminUser | undefined> {
    const res = await this.request<AdminUser>("GET", `_synapse/admin/v2/users/${enc(userId)}`, { accept: [404] });
    return res.status === 404 ? undefined : res.body;
  }

  async putUser(userId: string, body: Record<string, unknown>): Promise<AdminUser> {
    return (await this.request<AdminUser>("PUT", `_synapse/admin/v2/users/${enc(userId)}`, { body })).body;
  }

  /** Every user (paged), or those whose localpart or display name contains `name`; deactivated ones and guests only when asked for. */
  async listUsers(query: { name?: string; deactivated?: boolean; guests?: boolean } = {}): Promise<AdminUser[]> {
    const users: AdminUser[] = [];
    let from: string | undefined = "0";
    while (from !== undefined) {
      const page: { body: { users: AdminUser[]; next_token?: string | number } } = await this.request("GET", "_synapse/admin/v2/users", {
        query: { from, limit: 500, name: query.name, guests: query.guests ?? false, deactivated: query.deactivated ?? false },
      });
      users.push(...page.body.users);
      from = page.body.next_token === undefined ? undefined : String(page.body.next_token);
    }
    return users;
  }

  async deactivate(userId: string, erase = true): Promise<void> {
    await this.request("POST", `_synapse/admin/v1/deactivate/${enc(userId)}`, { body: { erase } });
  }

  /** Exempts a user from rate limits (0 = unlimited). */
  async overrideRatelimit(userId: string): Promise<void> {
    await this.request("POST", `_synapse/admin/v1/users/${enc(userId)}/override_ratelimit`, { body: { messages_per_second: 0, burst_count: 0 } });
  }

  /** The newest `last_seen_ts` of the user's devices (0 when none was seen). */
  async lastSeen(userId: string): Promise<number> {
    const { body } = await this.request<{ devices: { last_seen_ts?: number | null }[] }>("GET", `_synapse/admin/v2/users/${enc(userId)}/devices`);
    return Math.max(0, ...body.devices.map((d) => d.last_seen_ts ?? 0));
  }

  async joinedRooms(userId: string): Promise<string[]> {
    return (await this.request<{ joined_rooms: string[] }>("GET", `_synapse/admin/v1/users/${enc(userId)}/joined_rooms`)).body.joined_rooms;
  }

  async room(roomId: string): Promise<RoomDetails | undefined> {
    const res = await this.request<RoomDetails>("GET", `_synapse/admin/v1/rooms/${enc(roomId)}`, { accept: [404] });
    return res.status === 404 ? undefined : res.body;
  }

  async roomState(roomId: string): Promise<{ type: string; state_key: string; content: Record<string, unknown> }[]> {
    return (await this.request<{ state: { type: string; state_key: string; content: Record<string, unknown> }[] }>("GET", `_synapse/admin/v1/rooms/${enc(roomId)}/state`)).body.state;
  }

  /** The room's events as the server stores them (newest first), read with admin rights. */
  async roomMessages(roomId: string, limit = 100): Promise<RoomEventRecord[]> {
    return (await this.request<{ chunk: RoomEventRecord[] }>("GET", `_synapse/admin/v1/rooms/${enc(roomId)}/messages`, { query: { dir: "b", limit } })).body.chunk;
  }

  /**
   * Deletes and purges a room (admin API v2) and waits until the purge completes. A purge that fails is tried
   * again (Synapse's purge can race with events still being persisted, e.g. the kicks of the shutdown itself).
   */
  async deleteRoom(roomId: string, timeoutMs = 120_000, attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.request<{ delete_id: string }>("DELETE", `_synapse/admin/v2/rooms/${enc(roomId)}`, { body: { purge: true, block: false }, accept: [404] });
      if (res.status === 404) return;
      const id = res.body.delete_id;
      try {
        await waitFor(`room ${roomId} to be purged`, async () => {
          const s = await this.request<{ status: string; error?: string }>("GET", `_synapse/admin/v2/rooms/delete_status/${enc(id)}`);
          if (s.body.status === "failed") throw new StopWaiting(`purge of ${roomId} failed: ${s.body.error ?? "no reason given (see the homeserver log)"}`);
          return s.body.status === "complete" ? true : undefined;
        }, { timeoutMs, intervalMs: 200 });
        return;
      } catch (e) {
        if (!(e instanceof StopWaiting) || attempt >= attempts) throw e;
      }
    }
  }

  /** Deletes every local media of a user; returns how many were deleted. */
  async deleteUserMedia(userId: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const res = await this.request<{ total: number }>("DELETE", `_synapse/admin/v1/users/${enc(userId)}/media`, { query: { limit: 500 }, accept: [404] });
      if (res.status === 404 || !res.body.total) return deleted;
      deleted += res.body.total;
    }
  }

  /** The joined members of a room as this server knows them (local and remote). */
  async roomMembers(roomId: string): Promise<string[]> {
    const res = await this.request<{ members: string[] }>("GET", `_synapse/admin/v1/rooms/${enc(roomId)}/members`, { accept: [404] });
    return res.status === 404 ? [] : res.body.members;
  }

  /** The mxc URIs of media events of a room in this server's copy (unencrypted events only), local and remote. */
  async roomMedia(roomId: string): Promise<{ local: string[]; remote: string[] }> {
    const res = await this.request<{ local: string[]; remote: string[] }>("GET", `_synapse/admin/v1/room/${enc(roomId)}/media`, { accept: [404] });
    return res.status === 404 ? { local: [], remote: [] } : res.body;
  }

  /** Rooms whose name, canonical alias or id contains `term`, all pages. */
  async searchRooms(term: string): Promise<{ room_id: string; name?: string | null; creator?: string | null }[]> {
    return this.listRooms({ search_term: term });
  }

  /** Every room of the admin room list (optionally filtered by `search_term`, ordered by `order_by`), all pages. */
  async listRooms(query: { search_term?: string; order_by?: string } = {}): Promise<{ room_id: string; name?: string | null; creator?: string | null }[]> {
    const rooms: { room_id: string; name?: string | null; creator?: string | null }[] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const page: { body: { rooms: { room_id: string; name?: string | null; creator?: string | null }[]; next_batch?: number } } =
        await this.request("GET", "_synapse/admin/v1/rooms", { query: { from, limit: 500, ...query } });
      rooms.push(...page.body.rooms);
      from = page.body.next_batch;
    }
    return rooms;
  }

  /** Ids of the local media a user uploaded, all pages. */
  async userMediaIds(userId: string): Promise<string[]> {
    const ids: string[] = [];
    let from: number | undefined = 0;
    while (from !== undefined) {
      const res: { status: number; body: { media: { media_id: string }[]; next_token?: number } } =
        await this.request("GET", `_synapse/admin/v1/users/${enc(userId)}/media`, { query: { from, limit: 500 }, accept: [404] });
      if (res.status === 404) return ids;
      ids.push(...res.body.media.map((m) => m.media_id));
      from = res.body.next_token;
    }
    return ids;
  }

  /** What this server holds of a media (local, or its cached copy of a remote one); undefined when nothing. */
  async mediaInfo(origin: string, mediaId: string): Promise<{ last_access_ts?: number | null; created_ts?: number; quarantined_by?: string | null } | undefined> {
    const res = await this.request<{ media_info?: { last_access_ts?: number | null; created_ts?: number; quarantined_by?: string | null } }>("GET", `_synapse/admin/v1/media/${enc(origin)}/${enc(mediaId)}`, { accept: [404] });
    return res.status === 404 ? undefined : (res.body.media_info ?? {});
  }

  /** Deletes the cached copies of remote media last accessed before `beforeTs` (Synapse deletes remote media only this way). */
  async purgeRemoteMediaCache(beforeTs: number): Promise<number> {
    return (await this.request<{ deleted: number }>("POST", "_synapse/admin/v1/purge_media_cache", { query: { before_ts: beforeTs } })).body.deleted;
  }

  async mediaConfig(): Promise<Record<string, unknown>> {
    return (await this.request<Record<string, unknown>>("GET", "_matrix/client/v1/media/config")).body;
  }
}
