import {
  initAsync, OlmMachine, UserId, DeviceId, RoomId, DeviceLists, RequestType, DecryptionSettings, EncryptionSettings, TrustRequirement,
  type KeysUploadRequest, type KeysQueryRequest, type KeysClaimRequest, type ToDeviceRequest, type SignatureUploadRequest, type RoomMessageRequest,
} from "@matrix-org/matrix-sdk-crypto-wasm";
import { randomUUID } from "node:crypto";
import type { TestUser } from "./users.ts";
import { requestJson } from "./http.ts";
import { waitFor } from "./timeouts.ts";

/**
 * A bot as a third-party system writes one: the plain client-server API over HTTP, no Matrix SDK, with the
 * Rust crypto state machine (OlmMachine) for end-to-end encryption, since the instance encrypts every room.
 * It syncs, joins rooms it is invited to, decrypts room messages, and answers encrypted.
 */
type Outgoing = KeysUploadRequest | KeysQueryRequest | KeysClaimRequest | ToDeviceRequest | SignatureUploadRequest | RoomMessageRequest;

export interface BotMessage {
  roomId: string;
  eventId: string;
  sender: string;
  content: Record<string, unknown>;
}

interface RawSync {
  next_batch: string;
  to_device?: { events: unknown[] };
  device_lists?: { changed?: string[]; left?: string[] };
  device_one_time_keys_count?: Record<string, number>;
  device_unused_fallback_key_types?: string[];
  rooms?: {
    join?: Record<string, { timeline?: { events: { type: string; event_id: string; sender: string; content: Record<string, unknown> }[] } }>;
    invite?: Record<string, unknown>;
  };
}

let wasmReady: Promise<void> | undefined;

export class PlainBot {
  readonly user: TestUser;
  readonly #machine: OlmMachine;
  #since?: string;
  readonly inbox: BotMessage[] = [];
  readonly joined = new Set<string>();

  private constructor(user: TestUser, machine: OlmMachine) {
    this.user = user;
    this.#machine = machine;
  }

  static async start(user: TestUser): Promise<PlainBot> {
    wasmReady ??= initAsync();
    await wasmReady;
    const machine = await OlmMachine.initialize(new UserId(user.userId), new DeviceId(user.deviceId));
    const bot = new PlainBot(user, machine);
    await bot.sync(0); // uploads the device keys through the outgoing requests
    return bot;
  }

  #api<T>(method: string, path: string, body?: unknown) {
    return requestJson<T>(this.user.baseUrl, method, path, { token: this.user.accessToken, body });
  }

  /** Sends what the crypto machine asks for (key upload/query/claim, to-device) and reports the answers back. */
  async #flush(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const requests = (await this.#machine.outgoingRequests()) as Outgoing[];
      if (requests.length === 0) return;
      for (const r of requests) await this.#send(r);
    }
  }

  async #send(r: Outgoing): Promise<void> {
    let res: unknown;
    switch (r.type) {
      case RequestType.KeysUpload: res = (await this.#api("POST", "_matrix/client/v3/keys/upload", JSON.parse(r.body))).body; break;
      case RequestType.KeysQuery: res = (await this.#api("POST", "_matrix/client/v3/keys/query", JSON.parse(r.body))).body; break;
      case RequestType.KeysClaim: res = (await this.#api("POST", "_matrix/client/v3/keys/claim", JSON.parse(r.body))).body; break;
      case RequestType.SignatureUpload: res = (await this.#api("POST", "_matrix/client/v3/keys/signatures/upload", JSON.parse(r.body))).body; break;
      case RequestType.ToDevice: {
        const t = r as ToDeviceRequest;
        res = (await this.#api("PUT", `_matrix/client/v3/sendToDevice/${encodeURIComponent(t.event_type)}/${encodeURIComponent(t.txn_id)}`, JSON.parse(t.body))).body;
        break;
      }
      case RequestType.RoomMessage: {
        const m = r as RoomMessageRequest;
        res = (await this.#api("PUT", `_matrix/client/v3/rooms/${encodeURIComponent(m.room_id)}/send/${encodeURIComponent(m.event_type)}/${encodeURIComponent(m.txn_id ?? randomUUID())}`, JSON.parse(m.body))).body;
        break;
      }
      default:
        return; // key backup and the like: not used by this bot
    }
    if (r.id !== undefined) await this.#machine.markRequestAsSent(r.id, r.type, JSON.stringify(res));
  }

  /** One /sync round: crypto changes, invites (joined at once), and decrypted room messages into the inbox. */
  async sync(timeoutMs: number): Promise<void> {
    const { body } = await requestJson<RawSync>(this.user.baseUrl, "GET", "_matrix/client/v3/sync", {
      token: this.user.accessToken,
      query: { since: this.#since, timeout: timeoutMs, filter: JSON.stringify({ room: { timeline: { limit: 50 } } }) },
      timeoutMs: timeoutMs + 30_000,
    });
    this.#since = body.next_batch;
    const lists = new DeviceLists((body.device_lists?.changed ?? []).map((u) => new UserId(u)), (body.device_lists?.left ?? []).map((u) => new UserId(u)));
    const counts = new Map(Object.entries(body.device_one_time_keys_count ?? {}));
    await this.#machine.receiveSyncChanges(JSON.stringify(body.to_device?.events ?? []), lists, counts, new Set(body.device_unused_fallback_key_types ?? []));
    await this.#flush();
    for (const roomId of Object.keys(body.rooms?.invite ?? {})) {
      await this.#api("POST", `_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    }
    for (const [roomId, room] of Object.entries(body.rooms?.join ?? {})) {
      this.joined.add(roomId);
      for (const ev of room.timeline?.events ?? []) {
        if (ev.type !== "m.room.encrypted" || ev.sender === this.user.userId) continue;
        try {
          const d = await this.#machine.decryptRoomEvent(JSON.stringify({ ...ev, room_id: roomId }), new RoomId(roomId), new DecryptionSettings(TrustRequirement.Untrusted));
          const clear = JSON.parse(d.event) as { type: string; content: Record<string, unknown> };
          if (clear.type === "m.room.message") this.inbox.push({ roomId, eventId: ev.event_id, sender: ev.sender, content: clear.content });
        } catch {
          // Keys may arrive later; a message the bot cannot decrypt is not a command.
        }
      }
    }
  }

  /** One line on what the bot holds, for a wait's notes: rooms joined, the inbox's size and newest message (no content). */
  #state(): string {
    const last = this.inbox[this.inbox.length - 1];
    return `joined ${this.joined.size} rooms, inbox ${this.inbox.length} messages${last ? `, newest ${last.eventId} from ${last.sender} in ${last.roomId}` : ""}`;
  }

  /** Syncs until the bot holds what `have` returns (a `waitFor`; a failing request ends the wait at once). */
  #syncUntil<T>(what: string, have: () => T | undefined, timeoutMs: number): Promise<T> {
    return waitFor(what, async (p) => {
      const before = have();
      if (before !== undefined) return before;
      if (p.leftMs() <= 0) return undefined;
      await this.sync(Math.min(2000, p.leftMs()));
      const after = have();
      if (after === undefined) p.note(this.#state());
      return after;
    }, { timeoutMs, intervalMs: 0, who: `bot ${this.user.userId}`, failFast: true });
  }

  /** Syncs until `pick` finds a message in the inbox, or the deadline passes. */
  waitForMessage(what: string, pick: (m: BotMessage) => boolean, timeoutMs = 30_000): Promise<BotMessage> {
    return this.#syncUntil(what, () => this.inbox.find(pick), timeoutMs);
  }

  /** Encrypts and sends a message to everyone joined to the room (sessions set up as needed). */
  async sendEncrypted(roomId: string, content: Record<string, unknown>): Promise<string> {
    const { body } = await this.#api<{ joined: Record<string, unknown> }>("GET", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/joined_members`);
    // wasm-bindgen takes ownership of the ids passed in: every call gets fresh ones.
    const users = () => Object.keys(body.joined).map((u) => new UserId(u));
    await this.#machine.updateTrackedUsers(users());
    await this.#flush(); // key queries for the members
    const claim = await this.#machine.getMissingSessions(users());
    if (claim) await this.#send(claim);
    for (const r of await this.#machine.shareRoomKey(new RoomId(roomId), users(), new EncryptionSettings())) await this.#send(r);
    const encrypted = await this.#machine.encryptRoomEvent(new RoomId(roomId), "m.room.message", JSON.stringify(content));
    const res = await this.#api<{ event_id: string }>("PUT", `_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/${randomUUID()}`, JSON.parse(encrypted));
    return res.body.event_id;
  }

  /** Syncs until the bot has joined `roomId` (it joins invites by itself). */
  async waitJoined(roomId: string, timeoutMs = 30_000): Promise<void> {
    await this.#syncUntil(`the bot to join ${roomId}`, () => (this.joined.has(roomId) ? true : undefined), timeoutMs);
  }

  stop(): void {
    try {
      this.#machine.close();
    } catch {
      // still borrowed by an operation that failed: the test has already failed, and the store is in memory
    }
  }
}
