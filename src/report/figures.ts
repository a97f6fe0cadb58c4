import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * Figures the acceptance record plots, read from a run's report folder. The contract for suites that measure
 * (load, availability):
 *
 *   reports/<run>/figures/<name>.json   one figure per file, one of:
 *     { "kind": "latency", "title": "…" | {"de": "…", "en": "…"}, "unit": "ms",
 *       "series": [{ "label": "send", "p50": 12, "p90": 30, "p99": 80, "max": 140,
 *                    "requests": 6000, "errors": 0, "rps": 100 }],          // p50 and p99 required, rest optional
 *       "thresholds": { "p99": 500 } }                                      // optional: drawn as a line
 *     { "kind": "availability", "title": …, "target": 0.999,               // target optional
 *       "probes": [{ "t": "2026-11-23T19:00:00Z" | 1763924400000, "ok": true, "latencyMs": 42 }] }
 *     { "kind": "series", "title": …, "unit": "ms",
 *       "series": [{ "label": "p99", "points": [[1763924400000, 42], …] }] }
 *
 *   reports/<run>/probes.jsonl          the availability canary's log, one probe a line:
 *     { "t" (or "ts"): …, "ok": true|false, "latencyMs"?: n, "error"?: "…" }  → an availability figure
 *
 * Files that do not match are listed as unreadable in the record rather than failing it.
 */

const Title = z.union([z.string(), z.object({ de: z.string(), en: z.string() })]);
const Time = z.union([z.string(), z.number()]);
// The canary's own log names the time `ts` (src/load/probe-log.ts); both spellings are read.
const Probe = z.preprocess(
  (v) => (v && typeof v === "object" && !("t" in v) && "ts" in v ? { ...v, t: (v as { ts: unknown }).ts } : v),
  z.object({ t: Time, ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
);

const Latency = z.object({
  kind: z.literal("latency"),
  title: Title,
  unit: z.string().default("ms"),
  series: z.array(z.object({
    label: z.string(),
    p50: z.number(),
    p90: z.number().optional(),
    p99: z.number(),
    max: z.number().optional(),
    requests: z.number().optional(),
    errors: z.number().optional(),
    rps: z.number().optional(),
  })).min(1),
  thresholds: z.object({ p99: z.number().optional(), p50: z.number().optional() }).optional(),
});
const Availability = z.object({ kind: z.literal("availability"), title: Title, target: z.number().gt(0).lt(1).optional(), probes: z.array(Probe).min(1) });
const Series = z.object({
  kind: z.literal("series"),
  title: Title,
  unit: z.string().default(""),
  series: z.array(z.object({ label: z.string(), points: z.array(z.tuple([Time, z.number().nullable()])) })).min(1),
});

export const FigureSchema = z.discriminatedUnion("kind", [Latency, Availability, Series]);
export type Figure = z.infer<typeof FigureSchema>;
export type LatencyFigure = z.infer<typeof Latency>;
export type AvailabilityFigure = z.infer<typeof Availability>;
export type SeriesFigure = z.infer<typeof Series>;

export interface LoadedFigures {
  figures: { source: string; figure: Figure }[];
  unreadable: { source: string; problem: string }[];
}

export function timeMs(t: string | number): number {
  return typeof t === "number" ? t : Date.parse(t);
}

export function loadFigures(reportDir: string): LoadedFigures {
  const out: LoadedFigures = { figures: [], unreadable: [] };
  const dir = join(reportDir, "figures");
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
      const source = `figures/${name}`;
      try {
        const parsed = FigureSchema.safeParse(JSON.parse(readFileSync(join(dir, name), "utf8")));
        if (parsed.success) out.figures.push({ source, figure: parsed.data });
        else out.unreadable.push({ source, problem: parsed.error.issues[0]?.message ?? "does not match the figure contract" });
      } catch (e) {
        out.unreadable.push({ source, problem: (e as Error).message.split("\n")[0]! });
      }
    }
  }
  const probeLog = join(reportDir, "probes.jsonl");
  if (existsSync(probeLog)) {
    const probes = readFileSync(probeLog, "utf8").split("\n").filter((l) => l.trim()).flatMap((l) => {
      try {
        const p = Probe.safeParse(JSON.parse(l));
        return p.success ? [p.data] : [];
      } catch {
        return [];
      }
    });
    if (probes.length) out.figures.push({ source: "probes.jsonl", figure: { kind: "availability", title: { de: "Verfügbarkeitsproben", en: "Availability probes" }, probes } });
    else out.unreadable.push({ source: "probes.jsonl", problem: "no line matches { t, ok }" });
  }
  return out;
}
