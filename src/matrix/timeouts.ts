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

/**
 * Polls `probe` until it returns a value other than undefined, or throws when the deadline passes.
 * The error names what was awaited and the last reason the probe gave.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs: number; intervalMs?: number }): Promise<T> {
  const deadline = Date.now() + scaled(opts.timeoutMs);
  let interval = opts.intervalMs ?? 100;
  let last = "";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${scaled(opts.timeoutMs)} ms waiting for ${what}${last ? ` (last: ${last})` : ""}`);
    await backoff(Math.min(interval, Math.max(0, deadline - Date.now())));
    interval = Math.min(interval * 1.5, 1000);
  }
}
