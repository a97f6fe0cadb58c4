import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderAllure } from "../src/report/allure.ts";

/** A run's allure-results/ as allure-playwright writes it: one test with a requirement label, a step and an attachment. */
function allureResults(dir: string, runNo: number): void {
  const res = join(dir, "allure-results");
  mkdirSync(res, { recursive: true });
  const start = Date.parse("2026-11-23T10:00:00Z") + runNo * 60_000;
  writeFileSync(join(res, `evidence-${runNo}-attachment.json`), JSON.stringify({ requirement: "BUM-2.1.a1", roomId: "!r:hs1" }));
  writeFileSync(join(res, `${runNo}-result.json`), JSON.stringify({
    uuid: `uuid-${runNo}`,
    historyId: "bum-2-1-a1-direct-chat",
    testCaseId: "bum-2-1-a1-direct-chat",
    fullName: "messaging/direct-chat.spec.ts#BUM-2.1.a1 direct chat",
    name: "BUM-2.1.a1 direct chat",
    status: "passed",
    stage: "finished",
    start,
    stop: start + 1500,
    labels: [{ name: "requirement", value: "BUM-2.1.a1" }, { name: "story", value: "BUM-2.1.a1" }, { name: "feature", value: "messaging" }],
    steps: [{ name: "create user alice", status: "passed", stage: "finished", start, stop: start + 100, steps: [], attachments: [], parameters: [] },
      { name: "evidence", status: "passed", stage: "finished", start: start + 100, stop: start + 101, steps: [], parameters: [], attachments: [{ name: "evidence", source: `evidence-${runNo}-attachment.json`, type: "application/json" }] }],
    attachments: [],
    parameters: [],
    links: [],
  }));
}

function testCase(reportDir: string): { labels: { name: string; value: string }[]; testStage: { steps: { name: string; attachments: { name: string }[] }[] }; extra: { history?: { items: unknown[] } } } {
  const dir = join(reportDir, "allure-report", "data", "test-cases");
  const [file] = readdirSync(dir);
  return JSON.parse(readFileSync(join(dir, file!), "utf8"));
}

describe("Allure report", () => {
  it("renders requirement labels, steps and attachments, and keeps history in the folder given", { timeout: 120_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), "mxa-allure-"));
    const history = join(root, "history-store");
    const run1 = join(root, "run1");
    allureResults(run1, 1);
    await renderAllure(run1, { historyDir: history });
    expect(existsSync(join(run1, "allure-report", "index.html"))).toBe(true);
    const tc = testCase(run1);
    expect(tc.labels).toContainEqual({ name: "requirement", value: "BUM-2.1.a1" });
    expect(tc.testStage.steps.map((s) => s.name)).toEqual(["create user alice", "evidence"]);
    expect(tc.testStage.steps[1]!.attachments.map((a) => a.name)).toEqual(["evidence"]);
    expect(existsSync(join(history, "history", "history.json"))).toBe(true);

    const run2 = join(root, "run2");
    allureResults(run2, 2);
    await renderAllure(run2, { historyDir: history });
    expect(testCase(run2).extra.history?.items.length).toBe(1); // the first run, from the history folder
  });
});
