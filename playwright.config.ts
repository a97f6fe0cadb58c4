import { defineConfig } from "@playwright/test";
import { join } from "node:path";
import { runContext } from "./src/config/run-context.ts";
import { timeoutFactor } from "./src/matrix/timeouts.ts";
import { loadProfile } from "./src/config/profile.ts";
import { selectionGrep, EXCLUSIVE_TAG } from "./src/report/results.ts";
import { PART_SUITES, EVERY_PART_FILES } from "./src/stack/part-status.ts";

// Scenarios are started by `mxaccept run`, which sets the run context (target, profile, run id, report folder).
const ctx = runContext();
// Playwright loads and runs only what the run selected: the selected suites' files, and tests whose titles carry
// an id of the profile (and match --grep). The catalogue pass (MXACCEPT_CATALOGUE=1, src/report/catalogue.ts)
// lists everything; results.json reports the checks that did not run from it, with why.
const catalogue = process.env.MXACCEPT_CATALOGUE === "1";
const suites = catalogue ? undefined : ctx.suites;
const grep = catalogue ? /./ : selectionGrep(loadProfile(ctx.profile), ctx.grep);
const filesOf = (names: string[]) => new RegExp(`[\\\\/]scenarios[\\\\/](?:${names.map((s) => s.replace(/[^a-z0-9-]/gi, "")).join("|") || "(?!)"})[\\\\/].*\\.spec\\.ts$`);
// The suites (and files of other suites) that need a part the embedded instance may still be starting (the content
// scanner, Keycloak): the transport checks probe every endpoint the target names.
const partSuites = Object.values(PART_SUITES).flat();
const escape = (f: string) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\//g, "[\\\\/]");
const partFiles = (selected?: string[]) => new RegExp(`[\\\\/]scenarios[\\\\/](?:${[
  ...partSuites.filter((s) => !selected || selected.includes(s)).map((s) => `${s}[\\\\/].*\\.spec\\.ts`),
  ...EVERY_PART_FILES.filter((f) => !selected || selected.includes(f.split("/")[0]!)).map(escape),
].join("|") || "(?!)"})$`);

export default defineConfig({
  testDir: "scenarios",
  ...(suites ? { testMatch: filesOf(suites) } : {}),
  outputDir: join(ctx.reportDir, "test-results"),
  fullyParallel: true,
  workers: Number(process.env.MXACCEPT_WORKERS ?? 2),
  // Two phases in one Playwright run. "parallel": every check not tagged @exclusive, with the run's workers.
  // "exclusive" (its teardown, so it starts once "parallel" has ended, and runs also when a check of it failed;
  // Ctrl-C stops both): the checks that disturb others (restart hs1/hs2, move hs1's history back, get the
  // client's address throttled by the login limiter), one at a time, in file order, so the security suite's
  // brute-force check comes last. "parts" is the parallel phase's second half: the suites that need a part of
  // the embedded instance which `mxaccept run` starts in the background (fixtures wait for it), queued after the
  // others. A check is in exactly one project (testIgnore/testMatch, grepInvert), so results map it once.
  projects: [
    { name: "parallel", grep, grepInvert: new RegExp(EXCLUSIVE_TAG), testIgnore: partFiles(), teardown: "exclusive" },
    { name: "parts", grep, grepInvert: new RegExp(EXCLUSIVE_TAG), testMatch: partFiles(suites), teardown: "exclusive" },
    { name: "exclusive", grep, grepInvert: new RegExp(`^(?![\\s\\S]*${EXCLUSIVE_TAG})`), workers: 1 },
  ],
  retries: 0,
  timeout: 180_000 * timeoutFactor(),
  expect: { timeout: 10_000 * timeoutFactor() },
  reporter: [
    ["list"],
    // results.json and junit.xml (the requirement view: every check, also those that did not run).
    ["./src/report/playwright-reporter.ts"],
    ["json", { outputFile: join(ctx.reportDir, "playwright.json") }],
    ["allure-playwright", { resultsDir: join(ctx.reportDir, "allure-results"), detail: true, suiteTitle: false }],
  ],
});
