import { randomBytes } from "node:crypto";
import type { Server } from "../matrix/deployment.ts";
import { requestJson } from "../matrix/http.ts";
import type { Ledger } from "../matrix/ledger.ts";
import { UserFactory } from "../matrix/users.ts";
import { mapPool as pool } from "../matrix/pool.ts";
import type { ScheduledRequest } from "./autocannon-engine.ts";
import { LOAD_FIELD } from "./delivery.ts";
import { provisionLoadUsers, type LoadUser } from "./load-users.ts";

/**
 * The four load scenarios and what they need on the homeserver. `prepare` creates the run-tagged users (and for
 * `send` a room with the senders and a receiver, on the same server or on the federation partner); the
 * result drives the in-process engine (`request`) and is handed to the k6 scripts as JSON (`k6Data`).
 */
export const SCENARIOS = ["send", "sync", "login", "media"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface PreparedScenario {
  scenario: Scenario;
  users: LoadUser[];
  /** send: the room, the receiving account and its homeserver's base URL. */
  roomId?: string;
  receiver?: LoadUser & { baseUrl: string };
  /** login: password users (logging in is what is measured, so these need a password hash). */
  logins?: { user: string; password: string }[];
  /** sync: a position per user, so each request is an incremental sync. */
  since?: string[];
  /** Unique per run: marks this run's load messages. */
  nonce: string;
  provisionMs: number;
}

const MEDIA_BYTES = 4096;
const MAX_ROOM_SENDERS = 20;

export interface PrepareOptions {
  hs: Server;
  /** The homeserver of the receiving account (the federation partner for delivery across federation). */
  receiverHs: Server;
  runId: string;
  ledger: Ledger;
  users: number;
}

export async function prepareScenario(scenario: Scenario, o: PrepareOptions): Promise<PreparedScenario> {
  const t0 = performance.now();
  const users = await provisionLoadUsers(o.hs, o.runId, o.ledger, o.users);
  const provisionMs = performance.now() - t0;
  const prepared: PreparedScenario = { scenario, users, nonce: randomBytes(6).toString("hex"), provisionMs };
  if (scenario === "send") {
    const [creator, ...others] = users;
    const { body } = await requestJson<{ room_id: string }>(o.hs.clientUrl, "POST", "_matrix/client/v3/createRoom", {
      token: creator!.accessToken,
      body: { preset: "public_chat", name: `mxaccept load ${o.runId}` },
    });
    prepared.roomId = body.room_id;
    o.ledger.record({ kind: "room", id: body.room_id, server: o.hs.serverName, test: "load" });
    await pool(others.slice(0, MAX_ROOM_SENDERS - 1), 4, (u) => requestJson(o.hs.clientUrl, "POST", `_matrix/client/v3/join/${encodeURIComponent(body.room_id)}`, { token: u.accessToken, body: {} }));
    const [receiver] = await provisionLoadUsers(o.receiverHs, o.runId, o.ledger, 1, { prefix: "receiver" });
    await requestJson(o.receiverHs.clientUrl, "POST", `_matrix/client/v3/join/${encodeURIComponent(body.room_id)}`, {
      token: receiver!.accessToken,
      query: { server_name: o.hs.serverName, via: o.hs.serverName },
      body: {},
    });
    prepared.receiver = { ...receiver!, baseUrl: o.receiverHs.clientUrl };
    prepared.users = users.slice(0, MAX_ROOM_SENDERS);
  } else if (scenario === "login") {
    // Logging in hashes the password: a few password users, each logged in many times, is the realistic load.
    const factory = new UserFactory(o.hs, o.runId, o.ledger);
    const made = await pool([0, 1, 2, 3], 4, (i) => factory.create(`login${i}`, { test: "load" }));
    prepared.logins = made.map((u) => ({ user: u.localpart, password: u.password }));
  } else if (scenario === "sync") {
    prepared.since = await pool(users, 8, async (u) => {
      const { body } = await requestJson<{ next_batch: string }>(o.hs.clientUrl, "GET", "_matrix/client/v3/sync", { token: u.accessToken, query: { timeout: 0 } });
      return body.next_batch;
    });
  }
  return prepared;
}

const json = (v: unknown) => JSON.stringify(v);

/** Request `seq` of a scenario for the in-process engine; `t` is its send start (wall clock ms). */
export function scheduledRequest(p: PreparedScenario, seq: number, t: number, warmup: boolean): ScheduledRequest {
  const u = p.users[seq % p.users.length]!;
  const auth = { Authorization: `Bearer ${u.accessToken}`, "Content-Type": "application/json" };
  switch (p.scenario) {
    case "send":
      return {
        method: "PUT",
        path: `/_matrix/client/v3/rooms/${encodeURIComponent(p.roomId!)}/send/m.room.message/mxa-${p.nonce}-${seq}`,
        headers: auth,
        body: json({ msgtype: "m.text", body: `load ${seq}`, [LOAD_FIELD]: { n: p.nonce, s: seq, t, ...(warmup ? { w: true } : {}) } }),
      };
    case "sync":
      return { method: "GET", path: `/_matrix/client/v3/sync?timeout=0&since=${encodeURIComponent(p.since![seq % p.users.length]!)}`, headers: auth };
    case "login": {
      const l = p.logins![seq % p.logins!.length]!;
      return { method: "POST", path: "/_matrix/client/v3/login", headers: { "Content-Type": "application/json" }, body: json({ type: "m.login.password", identifier: { type: "m.id.user", user: l.user }, password: l.password }) };
    }
    case "media":
      return { method: "POST", path: `/_matrix/media/v3/upload?filename=load-${seq}.bin`, headers: { ...auth, "Content-Type": "application/octet-stream" }, body: randomBytes(MEDIA_BYTES) };
  }
}

/** What the k6 scripts read (load/k6/matrix.js): tokens and ids, never the admin token. */
export function k6Data(p: PreparedScenario): Record<string, unknown> {
  return { scenario: p.scenario, nonce: p.nonce, tokens: p.users.map((u) => u.accessToken), roomId: p.roomId, logins: p.logins, since: p.since, mediaBytes: MEDIA_BYTES };
}
