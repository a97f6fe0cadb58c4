import { defineConfig } from "@playwright/test";
import { join } from "node:path";
import { runContext } from "./src/report/run-context.ts";
import { timeoutFactor } from "./src/matrix/timeouts.ts";
import { loadProfile } from "./src/config/profile.ts";
import { selectionGrep } from "./src/report/results.ts";

// Scenarios are started by `mxaccept run`, which sets the run context (target, profile, run id, report folder).
const ctx = runContext();
// Playwright loads and runs only what the run selected: the selected suites' files, and tests whose titles carry
// an id of the profile (and match --grep). The catalogue pass (MXACCEPT_CATALOGUE=1, src/report/catalogue.ts)
// lists everything; results.json reports the checks that did not run from it, with why.
const catalogue = process.env.MXACCEPT_CATALOGUE === "1";
const suites = catalogue ? undefined : ctx.suites;

export default defineConfig({
  testDir: "scenarios",
  ...(suites ? { testMatch: new RegExp(`[\\\\/]scenarios[\\\\/](?:${suites.map((s) => s.replace(/[^a-z0-9-]/gi, "")).join("|")})[\\\\/].*\\.spec\\.ts$`) } : {}),
  ...(catalogue ? {} : { grep: selectionGrep(loadProfile(ctx.profile), ctx.grep) }),
  outputDir: join(ctx.reportDir, "test-results"),
  fullyParallel: true,
  workers: Number(process.env.MXACCEPT_WORKERS ?? 2),
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
