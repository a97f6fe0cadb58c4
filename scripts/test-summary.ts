/**
 * What failed in `npm test`, one line each, read from vitest's and Playwright's JSON reports: scripts/test.ts prints
 * these last, so the tail of a CI log names every failure (CI keeps only the tail).
 */
import { firstLine } from "../src/report/results.ts";

export interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  numFailedTestSuites: number;
  testResults?: { name: string; status: string; message?: string; assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[] }[];
}

interface PlaywrightSpec {
  title: string;
  tests: { status: string; results: { error?: { message?: string } }[] }[];
}
interface PlaywrightSuite {
  title: string;
  specs?: PlaywrightSpec[];
  suites?: PlaywrightSuite[];
}
export interface PlaywrightJson {
  stats: { expected: number; flaky: number; unexpected: number; skipped: number };
  suites?: PlaywrightSuite[];
}

/** The first line of a failure message, without colour codes, cut to 200 characters. */
function headline(message: string | undefined): string {
  const line = firstLine(message ?? "");
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** "file › test: first line of the error" for each failed self-test, and each test file that failed to load. */
export function vitestFailures(v: VitestJson, root: string): string[] {
  const out: string[] = [];
  for (const file of v.testResults ?? []) {
    const rel = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failedTests) out.push(`${rel} › ${a.fullName}: ${headline(a.failureMessages?.[0])}`);
    if (file.status === "failed" && failedTests.length === 0) out.push(`${rel}: ${headline(file.message) || "the file failed outside its tests"}`);
  }
  return out;
}

/** "spec title: first line of the error" for each check that failed unexpectedly in a scenario run. */
export function playwrightFailures(report: PlaywrightJson): string[] {
  const out: string[] = [];
  const walk = (suite: PlaywrightSuite): void => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        if (t.status !== "unexpected") continue;
        const last = t.results.at(-1);
        out.push(`${spec.title}: ${headline(last?.error?.message)}`);
      }
    }
    for (const s of suite.suites ?? []) walk(s);
  };
  for (const s of report.suites ?? []) walk(s);
  return out;
}
