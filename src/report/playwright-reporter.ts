import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { readCapabilities } from "../matrix/capabilities.ts";
import { join, relative, sep } from "node:path";
import type { Reporter, FullConfig, Suite, TestCase, TestResult } from "@playwright/test/reporter";
import { loadProfile, type Profile } from "../config/profile.ts";
import { loadTarget, targetSecrets, type Target } from "../config/target.ts";
import { trustCa } from "../config/trust.ts";
import { requestJson } from "../matrix/http.ts";
import { projectRoot } from "../config/paths.ts";
import { aggregate, summarize, redact, type Results, type TestOutcome } from "./results.ts";
import { runContext } from "../config/run-context.ts";
import { readCatalogue } from "./catalogue.ts";
import { junitXml } from "./junit.ts";
import { timeoutFactor } from "../matrix/timeouts.ts";

/**
 * Playwright reporter that writes results.json and junit.xml: tests are mapped to requirement ids by their titles,
 * every requirement of the profile appears once, and every check of it: those that ran from Playwright, those
 * that did not from the run's catalogue (catalogue.json, src/report/catalogue.ts), with why.
 */
export default class ResultsReporter implements Reporter {
  #outcomes = new Map<string, TestOutcome>();
  #startedAt = new Date().toISOString();
  #profile!: Profile;
  #target!: Target;
  #serverVersion = "unknown";

  async onBegin(_config: FullConfig, _suite: Suite): Promise<void> {
    const ctx = runContext();
    this.#profile = loadProfile(ctx.profile);
    this.#target = loadTarget(ctx.targetFile);
    if (this.#target.caFile) trustCa(this.#target.caFile);
    this.#serverVersion = await serverVersion(this.#target, ctx.reportDir);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const evidence: unknown[] = [];
    for (const a of result.attachments) {
      if (a.name === "evidence" && a.body) {
        try {
          evidence.push(JSON.parse(a.body.toString("utf8")));
        } catch {
          evidence.push(a.body.toString("utf8"));
        }
      } else if (a.path && a.contentType.startsWith("image/")) {
        evidence.push({ attachment: a.name, path: a.path });
      }
    }
    const status = result.status === "passed" || result.status === "skipped" || result.status === "interrupted" ? result.status : "failed";
    const error = result.errors.map((e) => e.message ?? e.value ?? "").filter(Boolean).join("\n") || (status === "failed" ? `test ${result.status}` : undefined);
    // A retried test is reported by its last attempt.
    const describes: string[] = [];
    for (let s: Suite | undefined = test.parent; s && s.type === "describe"; s = s.parent) if (s.title) describes.unshift(s.title);
    this.#outcomes.set(test.id, {
      title: test.title,
      file: relative(join(projectRoot(), "scenarios"), test.location.file).split(sep).join("/"),
      describes,
      status,
      durationMs: result.duration,
      startedAt: result.startTime.toISOString(),
      error,
      annotations: [...test.annotations, ...result.annotations].map((a) => ({ type: a.type, description: a.description })),
      evidence,
    });
  }

  async onEnd(): Promise<void> {
    const ctx = runContext();
    const selection = { ...(ctx.suites ? { suites: ctx.suites } : {}), ...(ctx.grep ? { grep: ctx.grep } : {}) };
    // `mxaccept run` lists the catalogue while the scenarios run: wait for it (a minute at most, scaled).
    const catalogue = await readCatalogue(ctx.reportDir, 60_000 * timeoutFactor());
    const requirements = aggregate(this.#profile, [...this.#outcomes.values()], { catalogue: catalogue.entries, selection });
    const results: Results = {
      runId: ctx.runId,
      startedAt: this.#startedAt,
      finishedAt: new Date().toISOString(),
      profile: this.#profile.id,
      target: { baseUrl: this.#target.baseUrl, serverName: this.#target.serverName, serverVersion: this.#serverVersion },
      selection,
      requirements,
      summary: summarize(requirements),
    };
    const capabilities = readCapabilities(ctx.reportDir);
    if (capabilities) results.capabilities = capabilities;
    mkdirSync(ctx.reportDir, { recursive: true });
    const secrets = targetSecrets(this.#target);
    writeFileSync(join(ctx.reportDir, "results.json"), redact(JSON.stringify(results, null, 2), secrets));
    writeFileSync(join(ctx.reportDir, "junit.xml"), redact(junitXml(results), secrets));
  }

  printsToStdio(): boolean {
    return false;
  }
}

/** The instance's software as pre-flight detected it (capabilities.json), else as its federation /version says. */
async function serverVersion(target: Target, reportDir: string): Promise<string> {
  const sw = readCapabilities(reportDir)?.instance.software;
  if (sw) return `${sw.name} ${sw.version}`.trim();
  try {
    const { body } = await requestJson<{ server: { name: string; version: string } }>(target.baseUrl, "GET", "_matrix/federation/v1/version", { timeoutMs: 10_000 });
    return `${body.server.name} ${body.server.version}`;
  } catch {
    return "unknown";
  }
}

export function readResults(reportDir: string): Results {
  return JSON.parse(readFileSync(join(reportDir, "results.json"), "utf8")) as Results;
}
