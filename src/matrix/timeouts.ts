/** Deadlines scale with MXACCEPT_TIMEOUT_FACTOR (e.g. 3 on a slow CI machine). */
export function timeoutFactor(): number {
  const f = Number(process.env.MXACCEPT_TIMEOUT_FACTOR ?? "1");
  return Number.isFinite(f) && f > 0 ? f : 1;
}

export function scaled(ms: number): number {
  return Math.round(ms * timeoutFactor());
}

/** Resolves after `ms`, or rejects when the signal aborts. Used only for back-off, never to wait for a state. */
export function backoff(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Thrown by a probe to end `waitFor` at once: the awaited state can no longer come. */
export class StopWaiting extends Error {}

/** Thrown when a wait's deadline passed: the message names what was awaited and what was seen meanwhile. */
export class WaitTimeout extends Error {
  override name = "WaitTimeout";
}

/**
 * What a wait observed, per part (one per checker, or the probe's): the last few distinct observations, each one
 * line and short. Observations are what a checker or probe notes: event types, ids, senders, membership,
 * statuses, errcodes; never a token or a message body (the notes are written by the checkers, which know this).
 */
export class Seen {
  static readonly PER_PART = 5;
  static readonly MAX_OBSERVATION = 160;
  static readonly MAX_SUMMARY = 1500;
  readonly #parts = new Map<string, { observations: string[]; met?: boolean }>();

  #part(key: string) {
    let p = this.#parts.get(key);
    if (!p) this.#parts.set(key, (p = { observations: [] }));
    return p;
  }

  /** Keeps `observation` as the newest of `key`'s (an equal earlier one moves to the end), at most PER_PART. */
  note(key: string, observation: string): void {
    const line = observation.replace(/\s+/g, " ").trim();
    const s = line.length > Seen.MAX_OBSERVATION ? `${line.slice(0, Seen.MAX_OBSERVATION - 1)}…` : line;
    const list = this.#part(key).observations;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    list.push(s);
    if (list.length > Seen.PER_PART) list.shift();
  }

  /** Whether part `key` held at the last evaluation (shown for the parts of a composed wait). */
  met(key: string, held: boolean): void {
    this.#part(key).met = held;
  }

  /** "; saw: a, b" for one unnamed part, "; saw — X (not yet): a, b | Y (held)" for several; bounded. */
  summary(): string {
    const parts = [...this.#parts.entries()].filter(([, p]) => p.observations.length > 0 || p.met !== undefined);
    if (parts.length === 0) return "; saw nothing";
    const label = (key: string, met?: boolean) => {
      const name = key.length > 80 ? `${key.slice(0, 79)}…` : key;
      const state = met === undefined ? "" : met ? " (held)" : " (not yet)";
      return `${name}${state}`;
    };
    const text = parts.length === 1 && parts[0]![0] === ""
      ? `; saw: ${parts[0]![1].observations.join(", ")}`
      : `; saw — ${parts.map(([k, p]) => `${label(k, p.met)}${p.observations.length ? `: ${p.observations.join(", ")}` : ""}`).join(" | ")}`;
    return text.length > Seen.MAX_SUMMARY ? `${text.slice(0, Seen.MAX_SUMMARY - 1)}…` : text;
  }
}

/**
 * One wait, whichever way it learns of changes (polling in `waitFor`, events in `syncUntil`): its deadline
 * (scaled by MXACCEPT_TIMEOUT_FACTOR), what it waits for, what it has seen, and the timeout error naming all three.
 */
export class Wait {
  readonly ms: number;
  readonly deadline: number;
  readonly seen = new Seen();
  readonly #phrase: string;
  readonly #who?: string;

  /** `phrase` completes "waiting …": "for the room to be purged", "until @a:hs has membership join in !r". */
  constructor(phrase: string, timeoutMs: number, who?: string) {
    this.ms = scaled(timeoutMs);
    this.deadline = Date.now() + this.ms;
    this.#phrase = phrase;
    this.#who = who;
  }

  leftMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  expired(): boolean {
    return Date.now() >= this.deadline;
  }

  timeout(): WaitTimeout {
    return new WaitTimeout(`${this.#who ? `${this.#who}: ` : ""}timed out after ${this.ms} ms waiting ${this.#phrase}${this.seen.summary()}`);
  }
}

/** What a probe is handed: a place to note what it saw (shown when the wait times out) and the time left. */
export interface Progress {
  note(observation: string): void;
  leftMs(): number;
}

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between probes (growing by half up to 1 s); 0 for probes that wait themselves (long polls). */
  intervalMs?: number;
  /** Who waits (a user id, "bot @b:hs"), put before the timeout message. */
  who?: string;
  /** The message says "waiting until <what>" instead of "waiting for <what>". */
  until?: boolean;
  /** A probe's error ends the wait at once (default: it is noted, and the probe tried again). */
  failFast?: boolean;
}

/**
 * Polls `probe` until it returns a value other than undefined, or throws a `WaitTimeout` when the deadline passes.
 * The error names what was awaited and the last things the probe noted (and the errors it threw).
 */
export async function waitFor<T>(what: string, probe: (p: Progress) => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const w = new Wait(`${opts.until ? "until" : "for"} ${what}`, opts.timeoutMs, opts.who);
  const progress: Progress = { note: (s) => w.seen.note("", s), leftMs: () => w.leftMs() };
  let interval = opts.intervalMs ?? 100;
  for (;;) {
    try {
      const v = await probe(progress);
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof StopWaiting || opts.failFast) throw e;
      w.seen.note("", `error: ${((e as Error).message ?? String(e)).split("\n")[0]}`);
    }
    if (w.expired()) throw w.timeout();
    await backoff(Math.min(interval, w.leftMs()));
    interval = Math.min(interval * 1.5, 1000);
  }
}

/** `waitFor` for a state that may never come: its value, or undefined when the deadline passed (other errors throw). */
export async function tryWaitFor<T>(what: string, probe: (p: Progress) => Promise<T | undefined>, opts: WaitOptions): Promise<T | undefined> {
  try {
    return await waitFor(what, probe, opts);
  } catch (e) {
    if (e instanceof WaitTimeout) return undefined;
    throw e;
  }
}
