/**
 * The README's test command (`npm test`), in one place: the harness's self-tests (vitest), then the scenario runs
 * against the embedded reference instance (`mxaccept run`, which starts and stops the instance it needs). Ends with
 * one line "N passed, N failed, N skipped" over both, after a table of what each step took.
 *
 *   npm test                 the self-tests and the scenario runs below (fits CI's 30 minutes)
 *   npm run test:full        also the scenario runs marked `full` (a proof npm test already has, on another shape)
 *   npm test -- --only runs  only the scenario runs (with --full: also the full ones); --only self-tests only vitest
 *
 * A scenario run's playwright.json gives its counts; a run that wrote none counts as one failure.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type PlaywrightJson, playwrightFailures, type VitestJson, vitestFailures } from "./test-summary.ts";
import { scriptArgs } from "./script-args.ts";

interface Step {
  /** The `mxaccept run` arguments. */
  args: string[];
  /** Why this run is here (what no self-test already proves). */
  why: string;
  /** Only with --full. */
  full?: boolean;
}

const BUM = ["--profile", "managed-bundesmessenger"];
const VSM = ["--profile", "vodafone-secure-messenger"];

/**
 * The passing direction of every suite on the reference instance; the failing directions are the self-tests
 * (test/*.e2e.test.ts), each of which also shows the checks it does not break passing. The virus suite's passing
 * run is in test/virus.e2e.test.ts, on the same instance with its scanner as the first broken case.
 */
export const RUNS: Step[] = [
  {
    args: ["--topology", "production", "--suite", "messaging,billing,storage,federation,availability,security", ...BUM],
    why: "BuM on the production topology (hs1: main process, client, federation and media workers, Redis, PostgreSQL, nginx with the admin API on its own port; needs 127.0.0.1:443 and :80)",
  },
  {
    args: ["--topology", "production", "--suite", "retention", ...BUM],
    why: "BuM retention at time scale 1 on the production topology (live backdating and the config proof), on its own: moving hs1's history back lets the purge job trim other rooms",
  },
  {
    args: ["--topology", "production", "--suite", "virus,identity,portals", ...BUM],
    why: "BuM virus blocking, SSO and the portals on the production topology (the run adds --with scanner,keycloak): the scanner fetches media through nginx from the media worker, the SSO callback and the portal API go through nginx's routing",
  },
  {
    args: ["--suite", "messaging,storage,availability,security", ...VSM, "--size-scale", "1024"],
    why: "VSM on the simple topology, the quota scaled to 1 MiB",
  },
  {
    args: ["--suite", "federation", ...VSM, "--group-limit", "100"],
    why: "VSM tenancy, roles and the group limit (scaled to 100 members; accept runs the contract's 1,250), on its own: the cross-tenant step restarts hs1 and hs2",
  },
  {
    args: ["--suite", "retention", ...VSM],
    why: "VSM retention at time scale 1 (content kept 30 days)",
  },
  {
    args: ["--suite", "retention", ...BUM, "--time-scale", "1051200"],
    why: "BuM live expiry on a time-scaled instance (a year becomes 30 s)",
  },
  {
    args: ["--suite", "retention", ...VSM, "--time-scale", "86400"],
    why: "VSM live expiry on a time-scaled instance (30 days become 30 s)",
  },
  {
    args: ["--suite", "messaging,billing,storage,federation,availability,security", ...BUM],
    why: "BuM on the simple topology (its checks' passing direction is also in every self-test that breaks one of them)",
    full: true,
  },
  {
    args: ["--suite", "retention", ...BUM],
    why: "BuM retention at time scale 1 on the simple topology (also the passing side of test/retention.e2e.test.ts's live cases)",
    full: true,
  },
  {
    args: ["--suite", "identity,portals", ...BUM],
    why: "BuM identity and portals on the simple topology: one instance with Keycloak for both suites",
    full: true,
  },
  {
    args: ["--topology", "production", "--suite", "messaging,storage,availability,security,federation", ...VSM, "--size-scale", "1024", "--group-limit", "100"],
    why: "VSM on the production topology (the cross-tenant step restarts hs1's main process with its workers; large uploads through nginx)",
    full: true,
  },
];

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "reports", "npm-test");

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", (e) => {
      console.error(`could not start ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<void> {
  const { values } = scriptArgs(`npm test [-- --only runs|self-tests]
The self-tests (vitest), then the scenario runs against the embedded reference instance; ends with a table of what
each step took and "N passed, N failed, N skipped".
  npm run test:full   also the scenario runs marked full (the same proof on another shape)
  --only runs         only the scenario runs; --only self-tests: only vitest
  --full              what npm run test:full passes`, { full: { type: "boolean", default: false }, only: { type: "string" } });
  if (values.only && !["runs", "self-tests"].includes(values.only)) {
    console.error(`--only takes "runs" or "self-tests", not "${values.only}"`);
    process.exit(2);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, "runs"), { recursive: true });
  const timing: [string, number, number][] = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  /** One line per failure, printed last, so the tail of a CI log names what failed. */
  const failures: string[] = [];

  if (values.only !== "runs") {
    console.log("== self-tests (vitest)");
    const t0 = Date.now();
    const rc = await sh("vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${join(OUT, "vitest.json")}`]);
    timing.push(["self-tests (vitest)", Date.now() - t0, rc]);
    try {
      const v = JSON.parse(readFileSync(join(OUT, "vitest.json"), "utf8")) as VitestJson;
      failures.push(...vitestFailures(v, ROOT));
      passed += v.numPassedTests;
      failed += v.numFailedTests;
      skipped += v.numPendingTests + (v.numTodoTests ?? 0);
      if (v.numFailedTestSuites > 0 && v.numFailedTests === 0) failed += v.numFailedTestSuites;
    } catch {
      console.error("the self-tests wrote no results");
      failures.push("self-tests: vitest wrote no results");
      failed += 1;
    }
    if (rc !== 0 && failed === 0) {
      failures.push(`self-tests: vitest exited ${rc} with no failed test (see its output above)`);
      failed += 1;
    }
  }

  if (values.only !== "self-tests") {
    const steps = RUNS.filter((s) => values.full || !s.full);
    console.log(`== scenarios against the embedded reference instance (mxaccept run): ${steps.length} runs`);
    for (const [i, step] of steps.entries()) {
      const dir = join(OUT, "runs", String(i + 1).padStart(2, "0"));
      console.log(`-- run ${i + 1}/${steps.length}: ${step.why}\n   mxaccept run ${step.args.join(" ")}`);
      const t0 = Date.now();
      const rc = await sh(process.execPath, [join(ROOT, "bin", "mxaccept.js"), "run", ...step.args], { MXACCEPT_REPORTS_DIR: dir });
      timing.push([`run ${step.args.join(" ")}`, Date.now() - t0, rc]);
      const reports = existsSync(dir) ? readdirSync(dir) : [];
      const pw = reports.map((r) => join(dir, r, "playwright.json")).find((f) => existsSync(f));
      if (!pw) {
        console.error(`run ${i + 1} wrote no results (exit ${rc})`);
        failures.push(`run ${i + 1}: wrote no results (exit ${rc})`);
        failed += 1;
        continue;
      }
      const report = JSON.parse(readFileSync(pw, "utf8")) as PlaywrightJson;
      const s = report.stats;
      failures.push(...playwrightFailures(report).map((f) => `run ${i + 1}: ${f}`));
      passed += s.expected + s.flaky;
      failed += s.unexpected;
      skipped += s.skipped;
      // A run that failed a requirement or crashed outside any check, with no failed test to show for it.
      if (rc !== 0 && s.unexpected === 0) {
        failures.push(`run ${i + 1}: exit ${rc} with no failed check (see its verdict above)`);
        failed += 1;
      }
    }
  }

  console.log("\ntiming:");
  for (const [what, ms, rc] of timing) console.log(`  ${String(Math.round(ms / 1000)).padStart(5)} s  exit ${rc}  ${what}`);
  console.log(`  ${String(Math.round(timing.reduce((a, [, ms]) => a + ms, 0) / 1000)).padStart(5)} s  total`);
  if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
