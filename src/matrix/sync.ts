import { ClientEvent, RoomEvent, MatrixEventEvent, RoomStateEvent, RoomMemberEvent, SyncState, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";
import { Wait, type Seen } from "./timeouts.ts";

/**
 * Sync-until (after Complement's MustSyncUntil): a checker looks at what a client has synced and returns a
 * value when satisfied; `syncUntil` re-evaluates it on every sync, timeline, decryption and membership change
 * until it holds or the deadline passes. Checkers compose with `allOf`.
 *
 * Each checker notes what it saw on the way (`Observer.note`: event ids and types, senders, membership, decryption
 * state; never a body or a token) and keeps the last few, so a timeout says what was awaited and what came instead.
 */
export interface Checker<T> {
  what: string;
  check: (client: MatrixClient, seen: Observer) => T | undefined;
}

/** Where a checker notes what it saw; `part` gives a composed checker's parts a history of their own. */
export interface Observer {
  note(observation: string): void;
  part(what: string): Observer;
  met(held: boolean): void;
}

function observer(seen: Seen, key: string): Observer {
  return {
    note: (s) => seen.note(key, s),
    part: (what) => observer(seen, key ? `${key} › ${what}` : what),
    met: (held) => seen.met(key, held),
  };
}

const EVENTS = [ClientEvent.Sync, RoomEvent.Timeline, MatrixEventEvent.Decrypted, RoomStateEvent.Events, RoomMemberEvent.Membership, ClientEvent.Room] as const;

/** The client's last /sync failure, as the server answered it (status, errcode, first line), or undefined. */
export function syncFailure(client: MatrixClient): string | undefined {
  if (client.getSyncState() !== SyncState.Error && client.getSyncState() !== SyncState.Reconnecting) return undefined;
  const e = client.getSyncStateData()?.error as (Error & { httpStatus?: number; errcode?: string }) | undefined;
  if (!e) return `sync ${client.getSyncState()}`;
  return `sync ${client.getSyncState()}: /sync failed with ${e.httpStatus ? `HTTP ${e.httpStatus}` : "no HTTP answer"}${e.errcode ? ` ${e.errcode}` : ""} (${(e.message ?? "").split("\n")[0]})`;
}

export function syncUntil<T>(client: MatrixClient, checker: Checker<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const wait = new Wait(`until ${checker.what}`, opts.timeoutMs ?? 30_000, client.getUserId() ?? undefined);
  const seen = observer(wait.seen, "");
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const ev of EVENTS) client.off(ev as never, evaluate as never);
      fn();
    };
    const evaluate = () => {
      if (done) return;
      let v: T | undefined;
      try {
        v = checker.check(client, seen);
      } catch (e) {
        finish(() => reject(e));
        return;
      }
      if (v !== undefined) return finish(() => resolve(v as T));
      const failure = syncFailure(client);
      if (failure) wait.seen.note("the client", failure);
    };
    const timer = setTimeout(() => finish(() => reject(wait.timeout())), wait.ms);
    // Decryption can complete without a client-level event for events we have not listened to yet: re-check slowly too.
    const poll = setInterval(evaluate, 250);
    for (const ev of EVENTS) client.on(ev as never, evaluate as never);
    evaluate();
  });
}

/** One line for an event in a note: id, type, sender; no content. */
function eventLine(ev: MatrixEvent): string {
  return `${ev.getId() ?? "(no id)"} ${ev.getWireType()} from ${ev.getSender() ?? "?"}`;
}

/** What a client holds of an event it cannot use yet: still decrypting, failed (with the reason), no clear content. */
function decryptionState(ev: MatrixEvent): string | undefined {
  if (ev.isBeingDecrypted()) return "being decrypted";
  if (ev.isDecryptionFailure()) return `decryption failed (${ev.decryptionFailureReason ?? "unknown reason"})`;
  if (ev.isEncrypted() && !ev.getClearContent()) return "not decrypted yet";
  return undefined;
}

/** The initial sync has completed (the client is PREPARED or SYNCING); what /sync answered meanwhile is noted. */
export function initialSyncDone(userId: string): Checker<true> {
  return {
    what: `the initial sync of ${userId} completes`,
    check: (c, seen) => {
      if (c.isInitialSyncComplete()) return true;
      seen.note(`sync state ${c.getSyncState() ?? "not started"}`);
      return undefined;
    },
  };
}

export function membershipIs(roomId: string, userId: string, membership: "join" | "invite" | "leave" | "ban"): Checker<true> {
  return {
    what: `${userId} has membership ${membership} in ${roomId}`,
    check: (c, seen) => {
      const room = c.getRoom(roomId);
      if (!room) {
        seen.note("room not known to the client");
        return undefined;
      }
      const m = room.getMember(userId)?.membership;
      if (m === membership) return true;
      seen.note(`membership ${m ?? "none"}`);
      return undefined;
    },
  };
}

export function roomIsEncrypted(roomId: string): Checker<true> {
  return {
    what: `room ${roomId} is known to be encrypted`,
    check: (c, seen) => {
      const room = c.getRoom(roomId);
      if (room?.hasEncryptionStateEvent()) return true;
      seen.note(room ? "no m.room.encryption state yet" : "room not known to the client");
      return undefined;
    },
  };
}

/** A timeline event of `roomId` that has been decrypted successfully and matches `match` on its clear content. */
export function decryptedEvent(roomId: string, what: string, match: (content: Record<string, unknown>, ev: MatrixEvent) => boolean): Checker<MatrixEvent> {
  return {
    what: `a decrypted event in ${roomId} that ${what}`,
    check: (c, seen) => {
      const room = c.getRoom(roomId);
      if (!room) {
        seen.note("room not known to the client");
        return undefined;
      }
      for (const ev of room.getLiveTimeline().getEvents()) {
        if (!ev.isEncrypted()) continue;
        const state = decryptionState(ev);
        if (state) {
          seen.note(`${eventLine(ev)}: ${state}`);
          continue;
        }
        const clear = ev.getClearContent();
        if (clear && match(clear as Record<string, unknown>, ev)) return ev;
        seen.note(`${eventLine(ev)}: ${ev.getType()}, does not match`);
      }
      return undefined;
    },
  };
}

/** The newest events of a room's live timeline, for a note on what the client holds instead. */
function latest(c: MatrixClient, roomId: string, seen: Observer): void {
  const room = c.getRoom(roomId);
  if (!room) return seen.note("room not known to the client");
  const evs = room.getLiveTimeline().getEvents();
  seen.note(evs.length ? `not in the timeline; newest ${eventLine(evs[evs.length - 1]!)}` : "not in the timeline; the timeline is empty");
}

/** An event of `roomId` by id, as the client holds it (decrypted when it could). */
export function eventById(roomId: string, eventId: string): Checker<MatrixEvent> {
  return {
    what: `event ${eventId} is in ${roomId}`,
    check: (c, seen) => {
      const ev = c.getRoom(roomId)?.findEventById(eventId);
      if (ev && !ev.isBeingDecrypted()) return ev;
      if (ev) seen.note(`${eventLine(ev)}: being decrypted`);
      else latest(c, roomId, seen);
      return undefined;
    },
  };
}

/**
 * An encrypted event of `roomId` by id, decrypted successfully. A failure to decrypt is waited out (keys may
 * still arrive) until the deadline.
 */
export function decryptedEventById(roomId: string, eventId: string): Checker<MatrixEvent> {
  return {
    what: `event ${eventId} in ${roomId} is decrypted`,
    check: (c, seen) => {
      const ev = c.getRoom(roomId)?.findEventById(eventId);
      if (!ev) {
        latest(c, roomId, seen);
        return undefined;
      }
      const state = ev.isBeingDecrypted() || ev.isDecryptionFailure() || !ev.getClearContent() ? (decryptionState(ev) ?? "no clear content") : undefined;
      if (!state) return ev;
      seen.note(`${eventLine(ev)}: ${state}`);
      return undefined;
    },
  };
}

export function allOf<T extends unknown[]>(...checkers: { [K in keyof T]: Checker<T[K]> }): Checker<T> {
  return {
    what: checkers.map((c) => c.what).join(" and "),
    check: (client, seen) => {
      const values = checkers.map((c) => {
        const part = seen.part(c.what);
        const v = c.check(client, part);
        part.met(v !== undefined);
        return v;
      });
      return values.every((v) => v !== undefined) ? (values as T) : undefined;
    },
  };
}
