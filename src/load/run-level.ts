import { runAutocannon } from "./autocannon-engine.ts";
import { DeliveryWatcher } from "./delivery.ts";
import { runK6 } from "./k6-engine.ts";
import { k6Data, scheduledRequest, type PreparedScenario } from "./scenarios.ts";
import type { LevelResult, LoadTargets } from "./verdict.ts";

export type Engine = "autocannon" | "k6";

export interface LevelOptions {
  engine: Engine;
  baseUrl: string;
  rate: number;
  durationMs: number;
  warmupMs: number;
  connections?: number;
  targets: LoadTargets;
  deliveryDeadlineMs: number;
  /** PEM file of the CA that signed the target's certificate (k6 reads it through SSL_CERT_FILE). */
  caFile?: string;
}

/** Runs one load level; for `send`, a receiving account measures delivery while it runs. */
export async function runLevel(p: PreparedScenario, o: LevelOptions): Promise<LevelResult> {
  const watcher = p.scenario === "send" && p.receiver ? new DeliveryWatcher(p.receiver, p.roomId!, p.nonce, o.deliveryDeadlineMs) : undefined;
  await watcher?.start();
  const request =
    o.engine === "k6"
      ? await runK6({ baseUrl: o.baseUrl, scenario: p.scenario, rate: o.rate, durationMs: o.durationMs, warmupMs: o.warmupMs, p99Ms: o.targets.sendP99Ms, maxErrorRate: o.targets.maxErrorRate, data: k6Data(p), env: o.caFile ? { SSL_CERT_FILE: o.caFile } : undefined })
      : await runAutocannon({
          baseUrl: o.baseUrl,
          scenario: p.scenario,
          rate: o.rate,
          durationMs: o.durationMs,
          warmupMs: o.warmupMs,
          connections: o.connections,
          request: (seq, t, warmup) => scheduledRequest(p, seq, t, warmup),
        });
  const delivery = watcher ? await watcher.finish(request.ok) : undefined;
  // A fresh nonce per level, so a later level never counts an earlier level's messages.
  p.nonce = `${p.nonce.slice(0, 8)}${Math.random().toString(16).slice(2, 6)}`;
  return { request, delivery };
}
