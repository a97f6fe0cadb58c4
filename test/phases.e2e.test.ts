import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Results } from "../src/report/results.ts";
import { mxaccept } from "./helpers/cli.ts";

interface PwResult { workerIndex: number; startTime: string; duration: number; status: string }
interface PwSuite { suites?: PwSuite[]; specs?: { title: string; tests: { projectName: string; results: PwResult[] }[] }[] }

/** Every attempt of every test in playwright.json, with its project (the run's phase). */
function attempts(report: { suites: PwSuite[] }): { project: string; title: string; worker: number; start: number; end: number; status: string }[] {
  const out: ReturnType<typeof attempts> = [];
  const walk = (s: PwSuite) => {
    for (const spec of s.specs ?? []) for (const t of spec.tests) for (const r of t.results) {
      const start = Date.parse(r.startTime);
      out.push({ project: t.projectName, title: spec.title, worker: r.workerIndex, start, end: start + r.duration, status: r.status });
    }
    for (const c of s.suites ?? []) walk(c);
  };
  report.suites.forEach(walk);
  return out;
}

/**
 * The run's phases (playwright.config.ts), in a real run: the security suite on a reference instance whose guest
 * access and public room directory fail VSM-1 and SEC-anonymous in the parallel phase. The other checks run on two
 * workers at the same time; the brute-force check (tagged @exclusive: its throttle would fail later logins from this
 * address) runs after all of them, alone, and still runs although checks before it failed.
 */
describe("the exclusive phase", () => {
  it("runs the disruptive check after the parallel checks, which ran on two workers at once, also when one of those failed", { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "mxa-phases-"));
    const overlay = join(dir, "guests.yaml");
    writeFileSync(overlay, "allow_guest_access: true\nallow_public_rooms_without_auth: true\n");
    const env = { MXACCEPT_STATE_DIR: join(dir, "state"), MXACCEPT_REPORTS_DIR: join(dir, "reports") };
    const run = await mxaccept(["run", "--suite", "security", "--profile", "vodafone-secure-messenger", "--overlay", overlay], env);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toMatch(/one test at a time/);

    const [runId] = readdirSync(join(dir, "reports"));
    const reportDir = join(dir, "reports", runId!);
    const all = attempts(JSON.parse(readFileSync(join(reportDir, "playwright.json"), "utf8")) as { suites: PwSuite[] });
    // The parallel phase: projects "parallel" and "parts" (the transport checks, queued last: they wait for parts).
    const parallel = all.filter((a) => a.project !== "exclusive");
    const exclusive = all.filter((a) => a.project === "exclusive");
    expect(exclusive.map((a) => a.title.split(" ")[0])).toEqual(["SEC-bruteforce"]);
    expect(parallel.some((a) => a.status === "failed"), "a check of the parallel phase failed").toBe(true);
    // A worker whose check failed is replaced by a new one (a new index): two or more.
    expect(new Set(parallel.map((a) => a.worker)).size, "the parallel phase used two workers").toBeGreaterThanOrEqual(2);
    const overlapping = parallel.some((a) => parallel.some((b) => b.worker !== a.worker && b.start < a.end && a.start < b.end));
    expect(overlapping, "two checks of the parallel phase ran at the same time").toBe(true);
    const parallelEnd = Math.max(...parallel.map((a) => a.end));
    expect(exclusive[0]!.start, "the exclusive check started after every parallel check had ended").toBeGreaterThanOrEqual(parallelEnd);
    expect(exclusive[0]!.status).toBe("passed");

    // Each check once in results.json and junit.xml, whichever phase it ran in.
    const results = JSON.parse(readFileSync(join(reportDir, "results.json"), "utf8")) as Results;
    const checks = results.requirements.flatMap((r) => r.tests.map((t) => `${t.file} ${t.title}`));
    const brute = results.requirements.find((r) => r.id === "SEC-bruteforce")!;
    expect(brute.tests.map((t) => t.status)).toEqual(["passed"]);
    expect(brute.status).toBe("passed");
    expect(results.requirements.find((r) => r.id === "SEC-anonymous")!.status).toBe("failed");
    const ran = new Set(checks.filter((c) => c.startsWith("security/")));
    expect(ran.size).toBe(all.length);
    const junit = readFileSync(join(reportDir, "junit.xml"), "utf8");
    expect(junit.split("SEC-bruteforce repeated wrong passwords").length - 1).toBe(1);
  });
});
