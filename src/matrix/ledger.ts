import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * What a run created on a homeserver, appended as JSON lines as it happens, so that cleanup (also after a
 * crash) knows every user, room and file. Holds ids only, never secrets.
 */
export interface LedgerEntry {
  kind: "user" | "room" | "media";
  id: string;
  server: string;
  at: string;
  test?: string;
}

export class Ledger {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
  }

  record(entry: Omit<LedgerEntry, "at">): void {
    appendFileSync(this.file, `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`);
  }

  static read(file: string): LedgerEntry[] {
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as LedgerEntry];
        } catch {
          return [];
        }
      });
  }
}
