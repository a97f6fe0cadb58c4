import { ClientEvent, RoomEvent, MatrixEventEvent, RoomStateEvent, RoomMemberEvent, type MatrixClient, type MatrixEvent } from "matrix-js-sdk";
import { scaled } from "./timeouts.ts";

/**
 * Sync-until (after Complement's MustSyncUntil): a checker looks at what a client has synced and returns a
 * value when satisfied; `syncUntil` re-evaluates it on every sync, timeline, decryption and membership change
 * until it holds or the deadline passes. Checkers compose with `allOf`.
 */
export interface Checker<T> {
  what: string;
  check: (client: MatrixClient) => T | undefined;
}

const EVENTS = [ClientEvent.Sync, RoomEvent.Timeline, MatrixEventEvent.Decrypted, RoomStateEvent.Events, RoomMemberEvent.Membership, ClientEvent.Room] as const;

export function syncUntil<T>(client: MatrixClient, checker: Checker<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const timeoutMs = scaled(opts.timeoutMs ?? 30_000);
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
        v = checker.check(client);
      } catch (e) {
        finish(() => reject(e));
        return;
      }
      if (v !== undefined) finish(() => resolve(v as T));
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${client.getUserId()}: timed out after ${timeoutMs} ms waiting until ${checker.what}`))), timeoutMs);
    // Decryption can complete without a client-level event for events we have not listened to yet: re-check slowly too.
    const poll = setInterval(evaluate, 250);
    for (const ev of EVENTS) client.on(ev as never, evaluate as never);
    evaluate();
  });
}

export function membershipIs(roomId: string, userId: string, membership: "join" | "invite" | "leave" | "ban"): Checker<true> {
  return {
    what: `${userId} has membership ${membership} in ${roomId}`,
    check: (c) => (c.getRoom(roomId)?.getMember(userId)?.membership === membership ? true : undefined),
  };
}

export function roomIsEncrypted(roomId: string): Checker<true> {
  return {
    what: `room ${roomId} is known to be encrypted`,
    check: (c) => (c.getRoom(roomId)?.hasEncryptionStateEvent() ? true : undefined),
  };
}

/** A timeline event of `roomId` that has been decrypted successfully and matches `match` on its clear content. */
export function decryptedEvent(roomId: string, what: string, match: (content: Record<string, unknown>, ev: MatrixEvent) => boolean): Checker<MatrixEvent> {
  return {
    what: `a decrypted event in ${roomId} that ${what}`,
    check: (c) => {
      const room = c.getRoom(roomId);
      if (!room) return undefined;
      for (const ev of room.getLiveTimeline().getEvents()) {
        if (!ev.isEncrypted()) continue;
        if (ev.isBeingDecrypted() || ev.isDecryptionFailure()) continue;
        const clear = ev.getClearContent();
        if (clear && match(clear as Record<string, unknown>, ev)) return ev;
      }
      return undefined;
    },
  };
}

/** An event of `roomId` by id, as the client holds it (decrypted when it could). */
export function eventById(roomId: string, eventId: string): Checker<MatrixEvent> {
  return {
    what: `event ${eventId} is in ${roomId}`,
    check: (c) => {
      const ev = c.getRoom(roomId)?.findEventById(eventId);
      return ev && !ev.isBeingDecrypted() ? ev : undefined;
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
    check: (c) => {
      const ev = c.getRoom(roomId)?.findEventById(eventId);
      if (!ev || ev.isBeingDecrypted() || ev.isDecryptionFailure() || !ev.getClearContent()) return undefined;
      return ev;
    },
  };
}

export function allOf<T extends unknown[]>(...checkers: { [K in keyof T]: Checker<T[K]> }): Checker<T> {
  return {
    what: checkers.map((c) => c.what).join(" and "),
    check: (client) => {
      const values = checkers.map((c) => c.check(client));
      return values.every((v) => v !== undefined) ? (values as T) : undefined;
    },
  };
}
