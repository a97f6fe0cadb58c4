import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../config/errors.ts";
import { waitFor } from "../../matrix/timeouts.ts";
import { ROLES } from "../generate.ts";
import { pythonPath } from "../../config/paths.ts";
import type { StackPart } from "../parts.ts";
import { freePort } from "../ports.ts";
import { ensure } from "../install.ts";
import { postgresServer, psycopg2 } from "../installables.ts";
import { pgBin } from "./pg-bin.ts";

const asRoot = process.getuid?.() === 0;
const run = (cmd: string, args: string[]) => (asRoot ? { cmd: "runuser", args: ["-u", "postgres", "--", cmd, ...args] } : { cmd, args });

/**
 * PostgreSQL from Debian (`--with postgres`, DESIGN's `--db postgres`) as the database of hs1..hs3 instead of
 * SQLite: one cluster on a free loopback port, one database per homeserver (C collation, as Synapse requires).
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user and lives in
 * a folder of the system temp dir that user can reach (the state dir is private to root); its path is noted in
 * the state dir; `stack down` removes the folder, and so does the next start if a crash left it.
 * With `--with mas`, the cluster also holds MAS's database (`mas`, owned by the role `mas`), which this part
 * contributes to MAS's config.
 */
export const postgresPart: StackPart = {
  name: "postgres",
  description: "PostgreSQL as the homeservers' database (load suite)",
  startsBeforeHomeservers: true,
  configuresHomeservers: true,
  async prepare(ctx) {
    await ensure(postgresServer, ctx.log);
    await ensure(psycopg2, ctx.log);
    const initdb = pgBin("initdb");
    const postgres = pgBin("postgres");
    if (spawnSync(pythonPath(), ["-c", "import psycopg2"]).status !== 0) throw new UserError("psycopg2 is missing from the Synapse venv: run 'npm run setup' and retry.");
    const note = join(ctx.stateDir, "postgres-dir");
    if (existsSync(note)) rmSync(readFileSync(note, "utf8").trim(), { recursive: true, force: true });
    const dir = mkdtempSync(join(tmpdir(), "mxa-pg-"));
    writeFileSync(note, dir);
    if (asRoot) {
      const pw = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
      const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
      if (pw.status !== 0) throw new UserError("running as root, PostgreSQL needs the 'postgres' system user: install the Debian package postgresql and retry.");
      chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
    }
    const port = await freePort();
    const data = join(dir, "data");
    const database = (role: string) => ({ database: { name: "psycopg2", args: { user: "synapse", database: `synapse_${role}`, host: "127.0.0.1", port, cp_min: 2, cp_max: 10 } } });
    const mas = ctx.with.includes("mas");
    return {
      homeserver: Object.fromEntries(ROLES.map((r) => [r, database(r)])),
      ...(mas ? { forParts: { mas: { database: { uri: `postgresql://mas@127.0.0.1:${port}/mas` } } } } : {}),
      async start(track) {
        const i = run(initdb, ["-D", data, "-U", "synapse", "--auth=trust", "--no-locale", "-E", "UTF8"]);
        const init = spawnSync(i.cmd, i.args, { encoding: "utf8" });
        if (init.status !== 0) throw new UserError(`initdb failed (${(init.stderr || init.stdout).trim().split("\n").pop()}): check the PostgreSQL installation.`);
        mkdirSync(ctx.stateDir, { recursive: true });
        const logFile = join(ctx.stateDir, "postgres.log");
        const out = openSync(logFile, "a");
        const s = run(postgres, ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"]);
        const child = spawn(s.cmd, s.args, { detached: true, stdio: ["ignore", out, out] });
        track({ name: "postgres", pid: child.pid!, match: data, log: logFile, scratch: dir });
        child.unref();
        const psql = pgBin("psql");
        await waitFor("PostgreSQL to accept connections", async () => (spawnSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "synapse", "-d", "postgres", "-c", "select 1"]).status === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 200 });
        for (const r of ROLES) {
          const c = spawnSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "synapse", "-d", "postgres", "-c", `CREATE DATABASE synapse_${r} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`], { encoding: "utf8" });
          if (c.status !== 0) throw new UserError(`creating the database for ${r} failed (${c.stderr.trim()}): see ${logFile}.`);
        }
        for (const sql of mas ? ["CREATE ROLE mas LOGIN", "CREATE DATABASE mas OWNER mas ENCODING 'UTF8' TEMPLATE template0"] : []) {
          const c = spawnSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "synapse", "-d", "postgres", "-c", sql], { encoding: "utf8" });
          if (c.status !== 0) throw new UserError(`creating MAS's database failed (${c.stderr.trim()}): see ${logFile}.`);
        }
        ctx.log(`PostgreSQL on 127.0.0.1:${port} (data in ${data})`);
      },
    };
  },
};
