import { DatabaseSync } from "node:sqlite";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import type { HomeserverTarget, Target } from "../config/target.ts";
import { pgBin } from "./parts/pg-bin.ts";
import { readState } from "./state.ts";

/**
 * Direct access to the database of a homeserver of the embedded reference instance — only for what no API can
 * do, such as making media old without waiting a year (backdating). Never used against a real target. SQLite by
 * default; PostgreSQL (`--with postgres`, the production topology) through psql, as the server's config names it.
 */
export interface ReferenceDb {
  /** The first column of the first row as a number (e.g. a count). `?` placeholders, in order. */
  number(sql: string, params: (string | number)[]): number;
  run(sql: string, params: (string | number)[]): void;
}

function serverOf(target: Target, hs: HomeserverTarget) {
  if (!target.embedded) throw new Error("database access is only for the embedded reference instance");
  const state = readState(dirname(target.source));
  const server = state?.servers.find((s) => s.baseUrl === hs.baseUrl);
  if (!server) throw new Error(`no running reference instance records ${hs.baseUrl} next to ${target.source}`);
  return server;
}

const sqliteFile = (server: { dir: string }) => join(server.dir, "homeserver.db");

export function referenceDbPath(target: Target, hs: HomeserverTarget): string {
  return sqliteFile(serverOf(target, hs));
}

/** Runs `fn` on an SQLite database with a busy timeout (Synapse holds it open too). */
export function withDb<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** SQL with its `?` placeholders replaced by literals (numbers as they are, strings quoted), for psql. */
export function inline(sql: string, params: (string | number)[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => {
    const v = params[i++];
    if (typeof v === "number") return String(v);
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}

export function referenceDb(target: Target, hs: HomeserverTarget): ReferenceDb {
  const server = serverOf(target, hs);
  const database = (parse(readFileSync(server.config, "utf8")) as { database?: { name?: string; args?: Record<string, string | number> } }).database;
  if (database?.name === "psycopg2") {
    const a = database.args ?? {};
    const psql = (sql: string, params: (string | number)[]) => {
      const r = spawnSync(pgBin("psql"), ["-h", String(a.host), "-p", String(a.port), "-U", String(a.user), "-d", String(a.database), "-tAc", inline(sql, params)], { encoding: "utf8", env: { ...process.env, ...(a.password ? { PGPASSWORD: String(a.password) } : {}) } });
      if (r.status !== 0) throw new Error(`psql: ${r.stderr.trim() || "failed"}`);
      return r.stdout.trim();
    };
    return { number: (sql, params) => Number(psql(sql, params).split("\n")[0]), run: (sql, params) => void psql(sql, params) };
  }
  const path = sqliteFile(server);
  return {
    number: (sql, params) => withDb(path, (d) => Number(Object.values(d.prepare(sql).get(...params) ?? {})[0])),
    run: (sql, params) => void withDb(path, (d) => d.prepare(sql).run(...params)),
  };
}
