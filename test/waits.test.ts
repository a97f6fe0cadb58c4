import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RoomEvent, ClientEvent, SyncState, type MatrixClient } from "matrix-js-sdk";
import { syncUntil, allOf, membershipIs, roomIsEncrypted, decryptedEventById, initialSyncDone } from "../src/matrix/sync.ts";
import { waitFor, tryWaitFor, StopWaiting, WaitTimeout, Seen } from "../src/matrix/timeouts.ts";

/** A client as the checkers see it: rooms with members, a live timeline and encryption state; a sync state. */
class FakeClient extends EventEmitter {
  events: Record<string, unknown>[] = [];
  membership: string | undefined;
  encrypted = false;
  syncState: SyncState | null = SyncState.Syncing;
  syncError?: Error;
  readonly userId: string;
  readonly roomId: string;
  constructor(userId: string, roomId: string) {
    super();
    this.userId = userId;
    this.roomId = roomId;
  }
  getUserId() { return this.userId; }
  getSyncState() { return this.syncState; }
  getSyncStateData() { return this.syncError ? { error: this.syncError } : null; }
  isInitialSyncComplete() { return this.syncState === SyncState.Prepared || this.syncState === SyncState.Syncing; }
  getRoom(id: string) {
    if (id !== this.roomId) return null;
    return {
      getMember: () => (this.membership ? { membership: this.membership } : null),
      hasEncryptionStateEvent: () => this.encrypted,
      getLiveTimeline: () => ({ getEvents: () => this.events }),
      findEventById: (eventId: string) => this.events.find((e) => (e.getId as () => string)() === eventId),
    };
  }
  /** An encrypted event with a body the notes must never show; undecryptable when `failure` is given. */
  push(eventId: string, failure?: string) {
    this.events.push({
      getId: () => eventId, getWireType: () => "m.room.encrypted", getType: () => "m.room.message", getSender: () => "@alice:hs",
      isEncrypted: () => true, isBeingDecrypted: () => false, isDecryptionFailure: () => failure !== undefined,
      decryptionFailureReason: failure ?? null, getClearContent: () => (failure ? null : { body: "GEHEIM", msgtype: "m.text" }),
    });
    this.emit(RoomEvent.Timeline);
  }
  asClient() { return this as unknown as MatrixClient; }
}

// A tiny deadline through the factor every wait scales by: 5 000 ms × 0.01 = 50 ms. No sleeps: the waits time out.
beforeEach(() => vi.stubEnv("MXACCEPT_TIMEOUT_FACTOR", "0.01"));
afterEach(() => vi.unstubAllEnvs());

describe("syncUntil's timeout says what it waited for and what it saw", () => {
  it("names the event awaited and the last events the checker saw instead, bounded, without bodies", async () => {
    const c = new FakeClient("@bob:hs", "!r:hs");
    const waiting = syncUntil(c.asClient(), decryptedEventById("!r:hs", "$wanted"), { timeoutMs: 5000 }).catch((e: unknown) => e);
    for (let i = 1; i <= 8; i++) c.push(`$other${i}`);
    c.push("$wanted", "MEGOLM_UNKNOWN_INBOUND_SESSION_ID");
    const e = (await waiting) as Error;
    expect(e).toBeInstanceOf(WaitTimeout);
    expect(e.message).toMatch(/^@bob:hs: timed out after 50 ms waiting until event \$wanted in !r:hs is decrypted; saw: /);
    expect(e.message).toContain("$wanted m.room.encrypted from @alice:hs: decryption failed (MEGOLM_UNKNOWN_INBOUND_SESSION_ID)");
    expect(e.message).toContain("not in the timeline; newest $other8 m.room.encrypted from @alice:hs");
    expect(e.message).not.toContain("$other3 "); // only the last few observations are kept
    expect(e.message).not.toContain("GEHEIM");
    expect(e.message.length).toBeLessThan(1700);
  });

  it("keeps a history per checker of a composed wait, and says which parts held", async () => {
    const c = new FakeClient("@alice:hs", "!r:hs");
    c.encrypted = true;
    const waiting = syncUntil(c.asClient(), allOf(roomIsEncrypted("!r:hs"), membershipIs("!r:hs", "@bob:hs", "join")), { timeoutMs: 5000 }).catch((e: unknown) => e);
    c.membership = "invite";
    c.emit(RoomEvent.Timeline);
    c.membership = "leave";
    c.emit(RoomEvent.Timeline);
    const e = (await waiting) as Error;
    expect(e.message).toContain("waiting until room !r:hs is known to be encrypted and @bob:hs has membership join in !r:hs; saw — ");
    expect(e.message).toContain("room !r:hs is known to be encrypted (held)");
    expect(e.message).toContain("@bob:hs has membership join in !r:hs (not yet): membership none, membership invite, membership leave");
  });

  it("notes what the server answered a failing /sync (status, errcode)", async () => {
    const c = new FakeClient("@carol:hs", "!r:hs");
    c.syncState = SyncState.Error;
    c.syncError = Object.assign(new Error("Unknown token\nstack"), { httpStatus: 401, errcode: "M_UNKNOWN_TOKEN" });
    const waiting = syncUntil(c.asClient(), initialSyncDone("@carol:hs"), { timeoutMs: 5000 }).catch((e: unknown) => e);
    c.emit(ClientEvent.Sync, SyncState.Error);
    const e = (await waiting) as Error;
    expect(e.message).toMatch(/^@carol:hs: timed out after 50 ms waiting until the initial sync of @carol:hs completes; saw — /);
    expect(e.message).toContain("sync state ERROR");
    expect(e.message).toContain("the client: sync ERROR: /sync failed with HTTP 401 M_UNKNOWN_TOKEN (Unknown token)");
  });

  it("resolves with the checker's value as soon as it holds", async () => {
    const c = new FakeClient("@bob:hs", "!r:hs");
    const waiting = syncUntil(c.asClient(), membershipIs("!r:hs", "@bob:hs", "join"), { timeoutMs: 5000 });
    c.membership = "join";
    c.emit(RoomEvent.Timeline);
    await expect(waiting).resolves.toBe(true);
  });
});

describe("waitFor's timeout says what it waited for and the last values it saw", () => {
  it("lists the last values the probe noted and its errors", async () => {
    let n = 0;
    const e = await waitFor("the room to be purged", async (p) => {
      n++;
      if (n === 2) throw new Error("GET https://hs/x → 502\nmore");
      p.note(`status ${n}`);
      return undefined;
    }, { timeoutMs: 3000, intervalMs: 1 }).then(() => new Error("resolved"), (x: unknown) => x as Error);
    expect(e).toBeInstanceOf(WaitTimeout);
    expect(e.message).toMatch(/^timed out after 30 ms waiting for the room to be purged; saw: .*status \d+$/);
    expect(e.message).toContain(`status ${n}`);
    expect(e.message.match(/status \d+|error: /g)!.length).toBeLessThanOrEqual(Seen.PER_PART);
  });

  it("says who waited and 'until', and ends at once on StopWaiting or, with failFast, on any error", async () => {
    const e = await waitFor("both messages arrived", async () => undefined, { timeoutMs: 1000, who: "@b:hs", until: true }).then(() => new Error("resolved"), (x: unknown) => x as Error);
    expect(e.message).toBe("@b:hs: timed out after 10 ms waiting until both messages arrived; saw nothing");
    await expect(waitFor("x", async () => { throw new StopWaiting("gone"); }, { timeoutMs: 60_000 })).rejects.toThrow("gone");
    await expect(waitFor("x", async () => { throw new Error("401"); }, { timeoutMs: 60_000, failFast: true })).rejects.toThrow("401");
  });

  it("tryWaitFor returns undefined at the deadline and the value when it comes", async () => {
    expect(await tryWaitFor("never", async () => undefined, { timeoutMs: 1000 })).toBeUndefined();
    expect(await tryWaitFor("now", async () => 403, { timeoutMs: 1000 })).toBe(403);
  });

  it("bounds each observation and the whole summary", () => {
    const s = new Seen();
    for (let k = 0; k < 40; k++) for (let i = 0; i < 10; i++) s.note(`part ${k} ${"x".repeat(100)}`, `${i} ${"y".repeat(400)}`);
    const text = s.summary();
    expect(text.length).toBeLessThanOrEqual(Seen.MAX_SUMMARY);
    expect(text).not.toContain("y".repeat(Seen.MAX_OBSERVATION));
  });
});
