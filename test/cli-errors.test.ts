import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../src/stack/ports.ts";
import { mxaccept } from "./helpers/cli.ts";

// Errors a user can meet: one line, what went wrong and what to do, non-zero exit, no stack trace.
const dir = mkdtempSync(join(tmpdir(), "mxa-cli-"));
const bad = join(dir, "bad.env");
writeFileSync(bad, "MXACCEPT_BASE_URL=not-a-url\nMXACCEPT_SERVER_NAME=example.org\nMXACCEPT_ADMIN_TOKEN=abcdefghijk\n");
const unreachable = join(dir, "unreachable.env");
const closedPort = await freePort(); // nothing listens there
writeFileSync(unreachable, `MXACCEPT_BASE_URL=https://127.0.0.1:${closedPort}\nMXACCEPT_SERVER_NAME=example.org\nMXACCEPT_ADMIN_TOKEN=abcdefghijk\n`);

const cases: [string, string[], RegExp][] = [
  ["a missing target file", ["run", "--target", join(dir, "missing.env")], /target file .*missing\.env not found: pass --target/],
  ["a malformed target file", ["run", "--target", bad], /MXACCEPT_BASE_URL: must be an http\(s\) URL.*fix the file/],
  ["an unreachable target", ["run", "--target", unreachable], /target https:\/\/127\.0\.0\.1:\d+ is not reachable \(ECONNREFUSED\): check MXACCEPT_BASE_URL/],
  ["an unknown profile", ["stack", "up", "--profile", "nope"], /unknown profile "nope": use one of/],
  ["an unknown suite", ["run", "--suite", "chat"], /--suite chat: unknown suite; choose from/],
  ["an unknown option", ["run", "--targte", "x"], /Unknown option '--targte'.*usage: mxaccept run/],
  ["an unknown command", ["frobnicate"], /unknown command "frobnicate": run 'mxaccept help'/],
  ["a group limit that is not a number", ["stack", "up", "--group-limit", "many"], /--group-limit many: must be a whole number >= 1/],
  ["a group limit for a profile without one", ["stack", "up", "--profile", "managed-bundesmessenger", "--group-limit", "100"], /--group-limit: profile managed-bundesmessenger has no group size limit/],
  ["a part not built yet", ["stack", "up", "--with", "scanner"], /--with scanner: .* is not part of the reference instance yet/],
];

describe("CLI errors", () => {
  for (const [what, args, message] of cases) {
    it(`${what}: one line, non-zero exit`, { timeout: 60_000 }, async () => {
      const r = await mxaccept(args, { MXACCEPT_STATE_DIR: join(dir, "state") });
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^mxaccept: /);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
