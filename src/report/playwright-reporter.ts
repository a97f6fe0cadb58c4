import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, FullConfig, Suite, TestCase, TestResult } from "@playwright/test/reporter";
import { loadProfile, type Profile } from "../config/profile.ts";
import { loadTarget, targetSecrets, type Target } from "../config/target.ts";
import { deployment } from "../config/deployment.ts";
import { trustCa } from "../config/trust.ts";
import { requestJson } from "../matrix/http.ts";
import { aggregate, summarize, redact, type Results, type TestOutcome } from "./results.ts";
import { runContext } from "./run-context.ts";

/**
 * Playwright reporter that writes results.json: tests are mapped to requirement ids by their titles, and every
 * requirement of the profile appears once. Tests whose ids are all outside the profile are left out.
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
    this.#serverVersion = await serverVersion(this.#target);
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
    const status = result.status === "passed" ? "passed" : result.status === "skipped" ? "skipped" : "failed";
    const error = result.errors.map((e) => e.message ?? e.value ?? "").filter(Boolean).join("\n") || (status === "failed" ? `test ${result.status}` : undefined);
    // A retried test is reported by its last attempt.
    this.#outcomes.set(test.id, {
      title: test.title,
      file: test.location.file,
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
    const requirements = aggregate(this.#profile, [...this.#outcomes.values()], ctx.grep ? `not selected by --grep ${ctx.grep}` : "no check implemented");
    const results: Results = {
      runId: ctx.runId,
      startedAt: this.#startedAt,
      finishedAt: new Date().toISOString(),
      profile: this.#profile.id,
      target: { baseUrl: this.#target.baseUrl, serverName: this.#target.serverName, serverVersion: this.#serverVersion },
      requirements,
      summary: summarize(requirements),
    };
    mkdirSync(ctx.reportDir, { recursive: true });
    writeFileSync(join(ctx.reportDir, "results.json"), redact(JSON.stringify(results, null, 2), targetSecrets(this.#target)));
  }

  printsToStdio(): boolean {
    return false;
  }
}

async function serverVersion(target: Target): Promise<string> {
  try {
    const { body } = await requestJson<{ server: { name: string; version: string } }>(target.baseUrl, "GET", "_matrix/federation/v1/version", { timeoutMs: 10_000 });
    return `${body.server.name} ${body.server.version}`;
  } catch {
    try {
      const { body } = await requestJson<{ server_version: string }>(deployment(target).adminUrl, "GET", "_synapse/admin/v1/server_version", { token: target.adminToken, timeoutMs: 10_000 });
      return body.server_version;
    } catch {
      return "unknown";
    }
  }
}

export function readResults(reportDir: string): Results {
  return JSON.parse(readFileSync(join(reportDir, "results.json"), "utf8")) as Results;
}
