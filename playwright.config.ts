import { defineConfig } from "@playwright/test";
import { join } from "node:path";
import { runContext } from "./src/report/run-context.ts";
import { timeoutFactor } from "./src/matrix/timeouts.ts";

// Scenarios are started by `mxaccept run`, which sets the run context (target, profile, run id, report folder).
const ctx = runContext();

export default defineConfig({
  testDir: "scenarios",
  outputDir: join(ctx.reportDir, "test-results"),
  fullyParallel: true,
  workers: Number(process.env.MXACCEPT_WORKERS ?? 2),
  retries: 0,
  timeout: 180_000 * timeoutFactor(),
  expect: { timeout: 10_000 * timeoutFactor() },
  reporter: [
    ["list"],
    ["./src/report/playwright-reporter.ts"],
    ["junit", { outputFile: join(ctx.reportDir, "junit.xml") }],
    ["json", { outputFile: join(ctx.reportDir, "playwright.json") }],
    ["allure-playwright", { resultsDir: join(ctx.reportDir, "allure-results"), detail: true, suiteTitle: false }],
  ],
});
