import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Two processes that need the same part at once install it once: the second waits for the first's lock and then
 * finds the part present. A lock left by a killed process is taken over. Each process is a real `node` running
 * `ensure()` of a part whose install appends a line to a file (the count of installs) and takes a second.
 */
const root = join(import.meta.dirname, "..");
const script = (marker: string, count: string) => `
import { ensure } from ${JSON.stringify(join(root, "src/stack/install.ts"))};
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
const done = ${JSON.stringify(marker)};
await ensure({
  name: "lock test part",
  expect: "about a second",
  present: () => existsSync(done),
  install: async () => {
    appendFileSync(${JSON.stringify(count)}, process.pid + "\\n");
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(done, "ok");
  },
}, (l) => console.log(l));
`;

function node(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("install lock", () => {
  it("two processes ensuring the same missing part install it once; the second waits and finds it present", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-lock-"));
    const file = join(dir, "part.ts");
    writeFileSync(file, script(join(dir, "done"), join(dir, "count")));
    const env = { XDG_CACHE_HOME: join(dir, "cache") };
    const [a, b] = await Promise.all([node(file, env), node(file, env)]);
    expect([a.code, b.code], a.out + b.out).toEqual([0, 0]);
    expect(readFileSync(join(dir, "count"), "utf8").trim().split("\n"), "installs started").toHaveLength(1);
    expect(a.out + b.out, "the waiting process says whom it waits for").toMatch(/waiting for process \d+, which is installing lock test part/);
    expect(existsSync(join(dir, "cache", "mxaccept", "locks", "lock_test_part.lock")), "the lock is released").toBe(false);
  });

  it("a lock left by a process that is gone is taken over", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-lock-"));
    const file = join(dir, "part.ts");
    writeFileSync(file, script(join(dir, "done"), join(dir, "count")));
    const env = { XDG_CACHE_HOME: join(dir, "cache") };
    // A pid that is not running: a short-lived child that has exited.
    const dead = await new Promise<number>((resolve) => {
      const c = spawn("true");
      c.on("exit", () => resolve(c.pid!));
    });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "cache", "mxaccept", "locks"), { recursive: true });
    writeFileSync(join(dir, "cache", "mxaccept", "locks", "lock_test_part.lock"), String(dead));
    const r = await node(file, env);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(join(dir, "count"), "utf8").trim().split("\n")).toHaveLength(1);
  });
});
