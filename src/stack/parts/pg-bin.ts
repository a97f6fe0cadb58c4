import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../config/errors.ts";

const BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/**
 * A program of Debian's PostgreSQL (initdb, postgres, psql); a one-line error when the package is missing. A leaf
 * module: the PostgreSQL part and the reference's database access (reference-db.ts) both use it.
 */
export function pgBin(name: string): string {
  for (const d of BIN_DIRS) if (existsSync(join(d, name))) return join(d, name);
  throw new UserError(`PostgreSQL's ${name} is missing: run 'npm run setup' (it installs the Debian package postgresql) and retry.`);
}
