/**
 * npm test's closing list of failures, read from what vitest and Playwright really write: a throwaway project with
 * one passing test, one failing test and one test file that does not load, run by this project's own vitest and
 * Playwright (node_modules linked in).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type PlaywrightJson, playwrightFailures, type VitestJson, vitestFailures } from "../scripts/test-summary.ts";

const ROOT = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "mxa-summary-"));
symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm test's list of failures", () => {
  it("names each failed self-test with its file and first error line, and a file that did not load", { timeout: 120_000 }, () => {
    writeFileSync(
      join(dir, "a.test.ts"),
      `import { expect, it } from "vitest";\nit("holds", () => expect(1).toBe(1));\nit("breaks", () => expect(1, "the instance said 1").toBe(2));\n`,
    );
    writeFileSync(join(dir, "b.test.ts"), `throw new Error("cannot load b");\n`);
    const out = join(dir, "vitest.json");
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "--root", dir, "--reporter=json", `--outputFile.json=${out}`], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(1);
    const lines = vitestFailures(JSON.parse(readFileSync(out, "utf8")) as VitestJson, dir);
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(/^a\.test\.ts › breaks: .*the instance said 1/));
    expect(lines).toContainEqual(expect.stringMatching(/^b\.test\.ts: .*cannot load b/));
    expect(lines.join("\n").includes("\u001b"), "no colour codes").toBe(false);
  });

  it("names each check a scenario run failed, with its first error line, and not the passed or skipped ones", { timeout: 120_000 }, () => {
    // Its own folder, so vitest's run above could never pick the spec up.
    const pw = join(dir, "pw");
    mkdirSync(pw);
    symlinkSync(join(ROOT, "node_modules"), join(pw, "node_modules"));
    writeFileSync(join(pw, "playwright.config.ts"), `export default { testDir: ".", testMatch: "*.spec.ts", reporter: [["json", { outputFile: "pw.json" }]] };\n`);
    writeFileSync(
      join(pw, "c.spec.ts"),
      `import { expect, test } from "@playwright/test";\ntest.describe("outer", () => {\n  test("X-1 holds", () => expect(1).toBe(1));\n  test("X-2 breaks", () => expect(1, "quota refused nothing").toBe(2));\n  test("X-3 skipped", () => test.skip(!process.env.X3_TARGET, "no X3_TARGET configured"));\n});\n`,
    );
    const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "@playwright", "test", "cli.js"), "test", "-c", join(pw, "playwright.config.ts")], { cwd: pw, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(1);
    const lines = playwrightFailures(JSON.parse(readFileSync(join(pw, "pw.json"), "utf8")) as PlaywrightJson);
    expect(lines).toEqual([expect.stringMatching(/^X-2 breaks: .*quota refused nothing/)]);
  });
});
