import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { UserError } from "../config/errors.ts";
import { EXCUSED_KINDS, type ExcusedKind, type ExcusedWindow } from "./sla.ts";

/**
 * The maintenance calendar: the excused events of BUM 3.2.7 c as a YAML list, one window per item:
 *   - { start: 2026-03-29T01:30:00+01:00, end: 2026-03-29T04:00:00+02:00, kind: maintenance, note: "Synapse update, ticket 4711" }
 * kind: maintenance (Wartungsarbeiten/Changes), customer (dem Kunden zuzurechnen), force-majeure (Dritte, höhere Gewalt).
 * Times need an explicit offset or Z: a local time without offset is ambiguous on the DST change days.
 */
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(v: unknown, where: string): number {
  const s = v instanceof Date ? v.toISOString() : String(v ?? "");
  if (!WITH_OFFSET.test(s)) throw new UserError(`${where}: "${s}" is not a time with offset; write e.g. 2026-03-29T01:30:00+01:00 or …Z.`);
  return Date.parse(s);
}

export function parseMaintenance(text: string, source: string): ExcusedWindow[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    throw new UserError(`maintenance calendar ${source} is not valid YAML (${(e as Error).message.split("\n")[0]}): fix the file.`);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new UserError(`maintenance calendar ${source} must be a YAML list of { start, end, kind, note } items.`);
  return data.map((item: unknown, i) => {
    const where = `maintenance calendar ${source} item ${i + 1}`;
    const o = (item ?? {}) as Record<string, unknown>;
    const kind = (o.kind ?? "maintenance") as ExcusedKind;
    if (!EXCUSED_KINDS.includes(kind)) throw new UserError(`${where}: kind "${String(o.kind)}" is not one of ${EXCUSED_KINDS.join(", ")}.`);
    const start = instant(o.start, where);
    const end = instant(o.end, where);
    if (!(end > start)) throw new UserError(`${where}: end must be after start.`);
    return { start, end, kind, ...(typeof o.note === "string" ? { note: o.note } : {}) };
  });
}

export function loadMaintenance(file: string): ExcusedWindow[] {
  if (!existsSync(file)) throw new UserError(`maintenance calendar ${file} not found: pass --maintenance with a YAML list of windows (see README "Availability").`);
  return parseMaintenance(readFileSync(file, "utf8"), file);
}
