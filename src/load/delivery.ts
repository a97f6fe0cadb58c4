import { requestJson } from "../matrix/http.ts";
import { LatencyHistogram, type LatencySummary } from "./histogram.ts";
import type { LoadUser } from "./load-users.ts";

/**
 * Delivery latency: another account long-polls /sync while the load runs and matches every load message by
 * its id (content field `org.mxaccept.load`: run nonce and sequence number); the latency is from the message's
 * send start (`t`, wall clock of the same machine, written by the engine) to the moment the sync answer
 * carrying it arrived. A message answered 200 to the sender but not seen within the deadline counts as lost.
 * Warm-up messages (`w: true`) are matched but not counted.
 */
export const LOAD_FIELD = "org.mxaccept.load";

export interface LoadMark {
  n: string;
  s: number;
  t: number;
  w?: boolean;
}

export interface DeliveryResult {
  delivered: number;
  lost: number;
  latency: LatencySummary;
  lossRate: number;
}

interface SyncBody {
  next_batch: string;
  rooms?: { join?: Record<string, { timeline?: { events?: { content?: Record<string, unknown> }[] } }> };
}

export class DeliveryWatcher {
  readonly #user: LoadUser & { baseUrl: string };
  readonly #roomId: string;
  readonly #nonce: string;
  readonly #deadlineMs: number;
  readonly #seen = new Set<number>();
  readonly #hist = new LatencyHistogram();
  #late = 0;
  #since = "";
  #stopped = false;
  #loop?: Promise<void>;

  constructor(user: LoadUser & { baseUrl: string }, roomId: string, nonce: string, deadlineMs: number) {
    this.#user = user;
    this.#roomId = roomId;
    this.#nonce = nonce;
    this.#deadlineMs = deadlineMs;
  }

  #filter(): string {
    return JSON.stringify({ room: { rooms: [this.#roomId], timeline: { limit: 1000 }, state: { lazy_load_members: true }, ephemeral: { types: [] }, account_data: { types: [] } }, presence: { types: [] }, account_data: { types: [] } });
  }

  async #sync(timeoutMs: number): Promise<SyncBody> {
    const { body } = await requestJson<SyncBody>(this.#user.baseUrl, "GET", "_matrix/client/v3/sync", {
      token: this.#user.accessToken,
      query: { since: this.#since || undefined, timeout: timeoutMs, filter: this.#filter() },
      timeoutMs: timeoutMs + 30_000,
    });
    return body;
  }

  /** Takes a sync position first, so only messages sent afterwards are looked at; then follows the room. */
  async start(): Promise<void> {
    this.#since = (await this.#sync(0)).next_batch;
    this.#loop = (async () => {
      while (!this.#stopped) {
        const res = await this.#sync(1000);
        const now = Date.now();
        this.#since = res.next_batch;
        for (const ev of res.rooms?.join?.[this.#roomId]?.timeline?.events ?? []) {
          const mark = ev.content?.[LOAD_FIELD] as LoadMark | undefined;
          if (!mark || mark.n !== this.#nonce || mark.w || this.#seen.has(mark.s)) continue;
          this.#seen.add(mark.s);
          const latency = now - mark.t;
          if (latency > this.#deadlineMs) this.#late++;
          else this.#hist.record(latency);
        }
      }
    })();
  }

  /** Waits until `expected` messages were seen (or the deadline after the last send passed), then stops. */
  async finish(expected: number): Promise<DeliveryResult> {
    const until = Date.now() + this.#deadlineMs;
    while (this.#hist.count < expected - this.#late && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100)); // checks a condition with a deadline; the sync loop does the waiting
    }
    this.#stopped = true;
    await this.#loop?.catch(() => undefined);
    const delivered = this.#hist.count;
    const lost = Math.max(0, expected - delivered);
    return { delivered, lost, latency: this.#hist.summary(), lossRate: expected ? lost / expected : 0 };
  }
}
