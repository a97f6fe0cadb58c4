import type { AvailabilityFigure, LatencyFigure, SeriesFigure } from "./figures.ts";
import { timeMs } from "./figures.ts";

/**
 * Inline SVG plots for the acceptance record (no scripts, no external files, so the record stays one file and
 * prints the same in Chromium's PDF). Each function returns an <svg> element as text; labels come from the caller.
 */

const W = 640;
const COLORS = ["#1f5f99", "#3d8f3d", "#c77c0e", "#8e3b8e", "#5b6b7a"];

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function fmt(n: number): string {
  return Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `v`. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].map((m) => m * p).find((x) => x >= v) ?? 10 * p);
}

/** Horizontal bars: p50 / p90 / p99 / max per series, with an optional p99 threshold line. */
export function latencySvg(fig: LatencyFigure, labels: { threshold: string }): string {
  const keys = (["p50", "p90", "p99", "max"] as const).filter((k) => fig.series.some((s) => s[k] !== undefined));
  const rowH = 14;
  const groupH = keys.length * rowH + 12;
  const left = 110;
  const plotW = W - left - 60;
  const max = niceMax(Math.max(...fig.series.flatMap((s) => keys.map((k) => s[k] ?? 0)), fig.thresholds?.p99 ?? 0));
  const x = (v: number) => left + (v / max) * plotW;
  const top = 8;
  const h = top + fig.series.length * groupH + 34;
  const parts: string[] = [];
  fig.series.forEach((s, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="4" y="${y0 + (keys.length * rowH) / 2 + 4}" class="lbl">${esc(s.label)}</text>`);
    keys.forEach((k, ki) => {
      const v = s[k];
      if (v === undefined) return;
      const y = y0 + ki * rowH;
      parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${rowH - 3}" fill="${COLORS[ki % COLORS.length]}"/>`);
      parts.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + rowH - 4}" class="val">${k} ${fmt(v)} ${esc(fig.unit)}</text>`);
    });
  });
  const axisY = top + fig.series.length * groupH;
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" class="axis"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<line x1="${x(v)}" y1="${axisY}" x2="${x(v)}" y2="${axisY + 4}" class="axis"/><text x="${x(v)}" y="${axisY + 16}" class="tick" text-anchor="middle">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${left + plotW}" y="${axisY + 30}" class="tick" text-anchor="end">${esc(fig.unit)}</text>`);
  if (fig.thresholds?.p99 !== undefined) {
    const tx = x(fig.thresholds.p99);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${axisY}" class="limit"/><text x="${tx - 3}" y="${axisY - 4}" class="tick limit-text" text-anchor="end">${esc(labels.threshold)} p99 ${fmt(fig.thresholds.p99)}</text>`);
  }
  return svg(h, parts);
}

export interface AvailabilityStats {
  probes: number;
  failed: number;
  availability: number;
  from: number;
  to: number;
}

export function availabilityStats(fig: AvailabilityFigure): AvailabilityStats {
  const ts = fig.probes.map((p) => timeMs(p.t)).filter(Number.isFinite);
  const failed = fig.probes.filter((p) => !p.ok).length;
  return { probes: fig.probes.length, failed, availability: (fig.probes.length - failed) / fig.probes.length, from: Math.min(...ts), to: Math.max(...ts) };
}

const MAX_MARKS = 300;

/** Probes folded into at most MAX_MARKS time bins: a bin is down if any probe in it failed; latency is the bin's maximum. */
export function probeBins(fig: AvailabilityFigure): { t: number; ok: boolean; latencyMs?: number }[] {
  const probes = fig.probes.map((p) => ({ t: timeMs(p.t), ok: p.ok, latencyMs: p.latencyMs })).filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
  if (probes.length <= MAX_MARKS) return probes;
  const t0 = probes[0]!.t;
  const span = Math.max(1, probes[probes.length - 1]!.t - t0);
  const bins = new Map<number, { t: number; ok: boolean; latencyMs?: number }>();
  for (const p of probes) {
    const i = Math.min(MAX_MARKS - 1, Math.floor(((p.t - t0) / span) * MAX_MARKS));
    const b = bins.get(i) ?? { t: t0 + ((i + 0.5) / MAX_MARKS) * span, ok: true };
    b.ok &&= p.ok;
    if (p.latencyMs !== undefined) b.latencyMs = Math.max(b.latencyMs ?? 0, p.latencyMs);
    bins.set(i, b);
  }
  return [...bins.values()].sort((a, b) => a.t - b.t);
}

/** A strip of probe outcomes over time (green up, red down) with the probe latency above it. */
export function availabilitySvg(fig: AvailabilityFigure, labels: { latency: string }): string {
  const st = availabilityStats(fig);
  const marks = probeBins(fig);
  const left = 50;
  const plotW = W - left - 10;
  const span = Math.max(1, st.to - st.from);
  const x = (t: number) => left + ((t - st.from) / span) * plotW;
  const lat = marks.filter((p) => p.latencyMs !== undefined);
  const latMax = niceMax(Math.max(0, ...lat.map((p) => p.latencyMs!)));
  const latTop = 8;
  const latH = lat.length ? 90 : 0;
  const stripY = latTop + latH + 10;
  const parts: string[] = [];
  if (lat.length) {
    const pts = lat.map((p) => `${x(p.t).toFixed(1)},${(latTop + latH - (p.latencyMs! / latMax) * latH).toFixed(1)}`).join(" ");
    parts.push(`<line x1="${left}" y1="${latTop + latH}" x2="${left + plotW}" y2="${latTop + latH}" class="axis"/><line x1="${left}" y1="${latTop}" x2="${left}" y2="${latTop + latH}" class="axis"/>`);
    parts.push(`<text x="${left - 4}" y="${latTop + 8}" class="tick" text-anchor="end">${fmt(latMax)}</text><text x="${left - 4}" y="${latTop + latH}" class="tick" text-anchor="end">0</text>`);
    parts.push(`<text x="${left + 4}" y="${latTop + 10}" class="tick">${esc(labels.latency)} (ms)</text>`);
    parts.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[0]}" stroke-width="1"/>`);
  }
  // Probe strip: one mark per probe; failed probes drawn last so they stay visible at any density.
  const w = Math.max(1, plotW / Math.max(1, marks.length));
  for (const okPass of [true, false]) {
    for (const p of marks.filter((q) => q.ok === okPass)) {
      // Slightly wider than the bin, so neighbouring marks leave no hairline gaps when printed.
      parts.push(`<rect x="${(x(p.t) - w / 2).toFixed(1)}" y="${stripY}" width="${(w + 0.6).toFixed(2)}" height="16" fill="${p.ok ? "#3d8f3d" : "#c0392b"}"/>`);
    }
  }
  const iso = (t: number) => new Date(t).toISOString().replace("T", " ").slice(0, 19);
  parts.push(`<text x="${left}" y="${stripY + 30}" class="tick">${iso(st.from)}</text><text x="${left + plotW}" y="${stripY + 30}" class="tick" text-anchor="end">${iso(st.to)} UTC</text>`);
  return svg(stripY + 36, parts);
}

/** Lines over time, one per series. */
export function seriesSvg(fig: SeriesFigure): string {
  const pts = fig.series.flatMap((s) => s.points.filter((p) => p[1] !== null).map((p) => [timeMs(p[0]), p[1] as number] as const));
  const t0 = Math.min(...pts.map((p) => p[0]));
  const t1 = Math.max(...pts.map((p) => p[0]));
  const vMax = niceMax(Math.max(0, ...pts.map((p) => p[1])));
  const left = 50;
  const plotW = W - left - 100;
  const top = 8;
  const h = 140;
  const x = (t: number) => left + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const y = (v: number) => top + h - (v / vMax) * h;
  const parts = [
    `<line x1="${left}" y1="${top + h}" x2="${left + plotW}" y2="${top + h}" class="axis"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" class="axis"/>`,
    `<text x="${left - 4}" y="${top + 8}" class="tick" text-anchor="end">${fmt(vMax)}</text><text x="${left - 4}" y="${top + h}" class="tick" text-anchor="end">0</text>`,
    `<text x="${left + 4}" y="${top + 10}" class="tick">${esc(fig.unit)}</text>`,
  ];
  fig.series.forEach((s, i) => {
    const line = s.points.filter((p) => p[1] !== null).map((p) => `${x(timeMs(p[0])).toFixed(1)},${y(p[1] as number).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${line}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`);
    parts.push(`<text x="${left + plotW + 6}" y="${top + 12 + i * 14}" class="lbl" fill="${COLORS[i % COLORS.length]}">${esc(s.label)}</text>`);
  });
  const iso = (t: number) => new Date(t).toISOString().slice(11, 19);
  parts.push(`<text x="${left}" y="${top + h + 14}" class="tick">${iso(t0)}</text><text x="${left + plotW}" y="${top + h + 14}" class="tick" text-anchor="end">${iso(t1)} UTC</text>`);
  return svg(top + h + 20, parts);
}

function svg(h: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${Math.ceil(h)}" width="100%" role="img" class="plot">${parts.join("")}</svg>`;
}
