import { UserError } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Parses a duration as Synapse writes them ("30s", "90d", "1y", or an integer of milliseconds). */
export function parseDuration(value: string | number, what = "duration"): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)?$/.exec(String(value).trim());
  if (!m) throw new UserError(`${what}: "${value}" is not a duration; write e.g. 30s, 12h, 90d or 1y.`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? "ms"]!);
}

/** Formats milliseconds the way Synapse parses them, as the largest whole unit. */
export function formatDuration(ms: number): string {
  for (const unit of ["y", "w", "d", "h", "m", "s"] as const) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return String(Math.max(1, Math.round(ms)));
}
