import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { ProbeRecord } from "../report/sla.ts";

/**
 * The canary's JSON-lines log: one record per probe (ts, ok, latencyMs, intervalMs, error class), appended with
 * one write per line and an fsync, so a crash loses at most the probe in flight and a restarted prober appends
 * to the same file. Holds no secrets.
 */
export class ProbeLog {
  readonly file: string;
  readonly #fd: number;

  constructor(file: string) {
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
    this.#fd = openSync(file, "a", 0o644);
  }

  append(record: ProbeRecord & Record<string, unknown>): void {
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** Reads a probe log; lines that are not probe records (a torn last line after a crash) are skipped and counted. */
export function readProbeLog(file: string): { probes: ProbeRecord[]; skipped: number } {
  if (!existsSync(file)) return { probes: [], skipped: 0 };
  const probes: ProbeRecord[] = [];
  let skipped = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as Partial<ProbeRecord>;
      if (typeof r.ts === "string" && typeof r.ok === "boolean" && typeof r.latencyMs === "number" && typeof r.intervalMs === "number" && Number.isFinite(Date.parse(r.ts))) {
        probes.push(r as ProbeRecord);
        continue;
      }
    } catch {
      // a torn line
    }
    skipped++;
  }
  return { probes, skipped };
}
