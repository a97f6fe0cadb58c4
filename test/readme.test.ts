import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/config/paths.ts";
import { listProfiles, loadProfile } from "../src/config/profile.ts";
import { requirementsTable, scenarioTitles, withRequirementsTable } from "../src/docs/requirements-table.ts";

const readme = readFileSync(join(projectRoot(), "README.md"), "utf8");

describe("README requirements table", () => {
  it("is what 'npm run docs' generates from the profiles and scenario titles (run it after changing either)", () => {
    expect(readme).toBe(withRequirementsTable(readme, requirementsTable()));
  });

  it("has a row for every requirement id of every profile", () => {
    const table = requirementsTable();
    for (const id of listProfiles()) for (const r of loadProfile(id).requirements) expect(table).toContain(`| ${r.id} | ${loadProfile(id).prefix} |`);
  });

  it("reads test titles statically, with any quote and test modifier", () => {
    const root = mkdtempSync(join(tmpdir(), "mxa-docs-"));
    mkdirSync(join(root, "scenarios", "x"), { recursive: true });
    writeFileSync(join(root, "scenarios", "x", "a.spec.ts"), [
      `test("BUM-2.2 federation \\"works\\"", async () => {});`,
      "test.fixme('BUM-2.3 virus blocked', async () => {});",
      "test(`SEC-anonymous anonymous`, async () => {});",
      `test("no id here", async () => {});`,
    ].join("\n"));
    expect(scenarioTitles(root).map((t) => [t.ids, t.title])).toEqual([
      [["BUM-2.2"], 'BUM-2.2 federation "works"'],
      [["BUM-2.3"], "BUM-2.3 virus blocked"],
      [["SEC-anonymous"], "SEC-anonymous anonymous"],
    ]);
  });
});
