import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../config/errors.ts";
import { loadProfile } from "../config/profile.ts";
import { loadTarget, targetSecrets } from "../config/target.ts";
import { projectRoot, reportsDir } from "../config/paths.ts";
import { cleanupRun, formatCleanup } from "../matrix/cleanup.ts";
import { newRunId } from "../config/run-id.ts";
import { stackUp, stackDown, runningStack } from "../stack/native.ts";
import { PART_SUITES, readPartStatus } from "../stack/part-status.ts";
import { readResults } from "../report/playwright-reporter.ts";
import { contextEnv, type RunContext } from "../config/run-context.ts";
import { formatTable } from "../report/table.ts";
import { verdictLine } from "../report/results.ts";
import { listCatalogue, writeCatalogue } from "../report/catalogue.ts";
import { completeAllureResults } from "../report/allure.ts";
import { scrubSecrets } from "../report/scrub.ts";
import { captureInstance } from "../report/fingerprint.ts";
import { writeAcceptanceRecord } from "../report/acceptance.ts";
import { referenceLimitLines } from "../report/reference-limits.ts";
import { parse, STACK_OPTIONS, list } from "./args.ts";
import { stackOptions } from "./stack.ts";
import { preflight, detectCapabilities } from "./preflight.ts";
import { chromium, ensureOrSay } from "../stack/installables.ts";
import { SUITES } from "../config/suites.ts";

const USAGE = "mxaccept run [--target F.env] [--profile ID] [--suite a,b] [--grep RE] [--strict] [--keep-data] [--workers N] [stack options]";
/** Exit code of `run --strict` when no requirement failed but one is incomplete or skipped (1: a requirement failed). */
export const EXIT_NOT_PROVEN = 3;

function runPlaywright(ctx: RunContext, extraArgs: string[], workers?: string, extraEnv: Record<string, string> = {}): Promise<number> {
  const cli = join(projectRoot(), "node_modules", "@playwright", "test", "cli.js");
  if (!existsSync(cli)) throw new UserError("Playwright Test is not installed: run 'npm install' and retry.");
  return new Promise((res) => {
    const child = spawn(process.execPath, [cli, "test", "-c", join(projectRoot(), "playwright.config.ts"), "--pass-with-no-tests", ...extraArgs], {
      cwd: projectRoot(),
      stdio: "inherit",
      env: { ...process.env, ...contextEnv(ctx), ...(workers ? { MXACCEPT_WORKERS: workers } : {}), ...extraEnv },
    });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      res(code ?? (signal ? 130 : 1));
    });
  });
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...STACK_OPTIONS,
    target: { type: "string" },
    suite: { type: "string" },
    grep: { type: "string" },
    "keep-data": { type: "boolean" },
    strict: { type: "boolean" },
    workers: { type: "string" },
  }, USAGE);
  const suites = list(values.suite);
  const badSuite = suites?.find((s) => !(SUITES as readonly string[]).includes(s));
  if (badSuite) throw new UserError(`--suite ${badSuite}: unknown suite; choose from ${SUITES.join(", ")}.`);
  if (values.workers !== undefined && !/^[1-9]\d*$/.test(values.workers)) throw new UserError(`--workers ${values.workers}: must be a whole number >= 1.`);
  if (values.grep) {
    try {
      new RegExp(values.grep);
    } catch {
      throw new UserError(`--grep ${values.grep}: not a valid regular expression.`);
    }
  }

  // Ctrl-C or SIGTERM at any point: finish the current step, then stop what this run started (the finally below).
  let interrupted: NodeJS.Signals | undefined;
  // Stops the parts still starting in the background (the content scanner, Keycloak) from starting anything more.
  const stopping = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    stopping.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const checkInterrupted = () => {
    if (interrupted) throw new UserError(`interrupted (${interrupted}): stopped before the end; what this run created is being removed.`, 130);
  };

  // The catalogue (every check, run or not) is listed while the instance starts: results.json names what did not run.
  let catalogue: ReturnType<typeof listCatalogue> | undefined;
  let startedStack: string | undefined;
  let targetFile: string;
  const stackFlags = ["overlay", "overlay-hs2", "overlay-hs3", "with", "time-scale", "size-scale", "group-limit", "topology", "overlay-nginx", "overlay-mas", "server"] as const;
  if (values.target) {
    const used = stackFlags.find((f) => values[f] !== undefined);
    if (used) throw new UserError(`--${used} configures the embedded instance and cannot be used with --target; drop one of them.`);
    targetFile = resolve(values.target);
    catalogue = listCatalogue(targetFile);
  } else {
    const opts = stackOptions(values);
    const running = runningStack(opts.stateDir);
    if (running) {
      const used = stackFlags.find((f) => values[f] !== undefined);
      if (used) throw new UserError(`a reference instance is already running, so --${used} would not apply: run 'mxaccept stack down' first or drop --${used}.`);
      if (values.profile && values.profile !== running.profile) throw new UserError(`the running reference instance has profile ${running.profile}, not ${values.profile}: run 'mxaccept stack down' first.`);
      targetFile = running.targetFile;
      console.error(`using the running reference instance (${opts.stateDir})`);
    } else {
      // The virus suite needs the content scanner: a run that includes it gets the scanner unless --with says otherwise.
      if (values.with === undefined && (!suites || suites.some((s) => PART_SUITES.scanner!.includes(s))) && opts.server !== "dendrite") opts.with = ["scanner"];
      // The identity and portals suites need the reference instance's IdP: the run starts it with keycloak.
      if ((!suites || suites.some((s) => PART_SUITES.keycloak!.includes(s))) && opts.server !== "dendrite") opts.with = [...new Set([...(opts.with ?? []), "keycloak"])];
      catalogue = listCatalogue(join(opts.stateDir, "target.env"));
      console.error(`starting the embedded reference instance for this run${opts.with?.length ? ` (with ${opts.with.join(", ")})` : ""} …`);
      startedStack = opts.stateDir; // recorded first, so an interruption during start-up still stops it
      const t0 = performance.now();
      // The scanner and Keycloak install (first use) and start in the background: the checks that need only the
      // homeservers run meanwhile, and a suite that needs a part waits for it (fixtures/index.ts, parts-ready.json).
      const state = await stackUp({ ...opts, later: ["scanner", "keycloak"], signal: stopping.signal, log: (l) => console.error(`  ${l}`) });
      const later = Object.keys(readPartStatus(opts.stateDir) ?? {});
      console.error(`reference instance up in ${((performance.now() - t0) / 1000).toFixed(1)} s${later.length ? ` (${later.join(", ")} still starting: the suites that need ${later.length > 1 ? "them wait for them" : "it wait for it"})` : ""}`);
      targetFile = state.targetFile;
    }
  }

  try {
    checkInterrupted();
    const target = loadTarget(targetFile);
    const profile = loadProfile(values.profile ?? target.profile ?? "managed-bundesmessenger");
    const pre = await preflight(target);
    // Chromium for the browser suites and the PDF record, installed on first use; without it only those are affected.
    await ensureOrSay(chromium, "the browser checks fail and the record has no PDF");
    const runId = newRunId();
    const reportDir = join(reportsDir(), runId);
    mkdirSync(reportDir, { recursive: true });
    const ctx: RunContext = { targetFile, profile: profile.id, runId, reportDir, suites, grep: values.grep };
    console.error(`run ${runId}: profile ${profile.id} against ${target.baseUrl}; report in ${reportDir}`);
    // What the target's servers offer (capabilities.json), and the run's one admin where only the secret is known.
    const detected = await detectCapabilities(pre, runId, reportDir);
    for (const line of detected.lines) console.error(line);
    // Written when listed (the reporter waits for it at the end of the scenarios), so the run does not wait for it.
    const listed = (catalogue ?? listCatalogue(targetFile)).then((c) => {
      try {
        writeCatalogue(reportDir, c);
        console.error(`catalogue: ${c.entries.length} checks (${c.source}, ${(c.ms / 1000).toFixed(1)} s)${c.problem ? `; ${c.problem}` : ""}`);
      } catch (e) {
        console.error(`catalogue.json could not be written (${(e as Error).message.split("\n")[0]}): the results name the checks that did not run from a static scan`);
      }
    });

    const t0 = performance.now();
    checkInterrupted();
    // Checks that disturb others (tagged @exclusive: the cross-tenant step restarts hs1 and hs2, the retention
    // suite's live check moves hs1's history back, the brute-force check gets this address throttled) run in a
    // phase of their own after all others, one at a time; every other check runs with --workers (default 2).
    // The selection (suites, profile ids, --grep) is applied by playwright.config.ts from the run context.
    const code = await runPlaywright(ctx, [], values.workers, detected.env);
    await listed;
    console.error(`scenarios took ${seconds(t0)} s`);
    // The configuration fingerprint for the acceptance record, while the instance is still up.
    writeFileSync(join(reportDir, "instance.json"), JSON.stringify(await captureInstance(detected.deployment), null, 2));

    if (values["keep-data"]) {
      console.error(`kept the run's data (--keep-data): remove it with 'mxaccept cleanup --run ${runId}${values.target ? ` --target ${values.target}` : ""}'`);
    } else {
      const t1 = performance.now();
      const results = await cleanupRun(detected.deployment, runId, join(reportDir, "ledger.jsonl"));
      console.error(`cleanup took ${seconds(t1)} s`);
      for (const r of results) for (const line of formatCleanup(r)) console.error(`cleanup ${line}`);
      writeFileSync(join(reportDir, "cleanup.json"), JSON.stringify({ seconds: Number(seconds(t1)), servers: results }, null, 2));
    }
    scrubSecrets(reportDir, [...targetSecrets(target), ...detected.secrets]);

    if (!existsSync(join(reportDir, "results.json"))) {
      throw new UserError(`the scenarios ended (exit ${code}) without writing results.json: see the output above.`, 1);
    }
    const results = readResults(reportDir);
    console.log(formatTable(results));
    try {
      completeAllureResults(join(reportDir, "allure-results"), results);
    } catch (e) {
      console.error(`allure-results: the checks that did not run could not be added (${(e as Error).message.split("\n")[0]})`);
    }
    try {
      const rec = await writeAcceptanceRecord(reportDir, "auto");
      console.error(`acceptance record written in ${(rec.ms / 1000).toFixed(1)} s: ${rec.html}${rec.pdf ? ` and ${rec.pdf}` : " (no PDF: Chromium not installed)"}`);
    } catch (e) {
      console.error(`the acceptance record could not be written (${(e as Error).message.split("\n")[0]}): retry with 'mxaccept report --run ${runId}'.`);
    }
    console.log(`report: ${reportDir}`);
    // Exit 1: a requirement failed (or the scenarios ended in an error outside any check); --strict: 3 when a
    // requirement is incomplete or skipped. The last line is the verdict.
    const s = results.summary;
    const crashed = code !== 0 && s.failed === 0;
    for (const line of referenceLimitLines(results, target)) console.log(line);
    console.log(verdictLine(s, crashed ? `the scenarios ended with exit ${code} outside any check: see the output above` : undefined));
    if (s.failed || crashed) return 1;
    return values.strict && (s.incomplete || s.skipped) ? EXIT_NOT_PROVEN : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    stopping.abort();
    if (startedStack) {
      const t2 = performance.now();
      await stackDown(startedStack);
      console.error(`stopped the reference instance started for this run (${seconds(t2)} s)`);
    }
  }
}
