import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import { projectRoot } from "../config/paths.ts";
import { loadProfile } from "../config/profile.ts";
import type { CheckResult, Results } from "./results.ts";

/**
 * Renders a run's allure-results/ to HTML with allure-commandline (Java). Requirement ids arrive as labels
 * (`requirement`, and `story` for Allure's Behaviors tab) from the fixtures; steps and attachments come from
 * allure-playwright. History: with a history folder, its `history/` is copied into the results before rendering
 * and the new report's `history/` back into it afterwards, so trends accumulate across runs (cache that folder
 * in CI).
 */

const JAVA_CANDIDATES = ["/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/default-java"];

export function allureBin(): string {
  return join(projectRoot(), "node_modules", "allure-commandline", "dist", "bin", "allure");
}

function javaEnv(): NodeJS.ProcessEnv {
  if (process.env.JAVA_HOME) return process.env;
  const home = JAVA_CANDIDATES.find((d) => existsSync(join(d, "bin", "java")));
  return home ? { ...process.env, JAVA_HOME: home } : process.env;
}

export async function renderAllure(reportDir: string, opts: { historyDir?: string } = {}): Promise<string> {
  const results = join(reportDir, "allure-results");
  const out = join(reportDir, "allure-report");
  if (!existsSync(results)) throw new UserError(`${results} does not exist: this run wrote no Allure results (run the scenarios with 'mxaccept run').`);
  if (!existsSync(allureBin())) throw new UserError("allure-commandline is not installed: run 'npm install' and retry.");
  if (opts.historyDir && existsSync(join(opts.historyDir, "history"))) {
    rmSync(join(results, "history"), { recursive: true, force: true });
    cpSync(join(opts.historyDir, "history"), join(results, "history"), { recursive: true });
  }
  const stderr: string[] = [];
  const code = await new Promise<number>((res) => {
    const child = spawn(allureBin(), ["generate", results, "-o", out, "--clean"], { env: javaEnv(), stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
    child.on("error", () => res(127));
    child.on("exit", (c) => res(c ?? 1));
  });
  if (code !== 0) {
    const why = stderr.join("").trim().split("\n").pop() ?? `exit ${code}`;
    throw new UserError(`allure generate failed (${why}): allure-commandline needs Java 8+ (set JAVA_HOME).`);
  }
  if (opts.historyDir) {
    mkdirSync(opts.historyDir, { recursive: true });
    rmSync(join(opts.historyDir, "history"), { recursive: true, force: true });
    cpSync(join(out, "history"), join(opts.historyDir, "history"), { recursive: true });
  }
  return out;
}

/**
 * Completes a run's allure-results with the requirement view (called by `mxaccept run` after the scenarios):
 * every check that did not run gets a result of its own (status `skipped`, the reason why as its message, the
 * requirement ids as labels), and a check that ran but was inconclusive is marked `unknown` with its reason, so
 * Allure does not count it as passed. Allure-playwright wrote the results of the executed tests.
 */
export function completeAllureResults(resultsDir: string, results: Results): { added: number; marked: number } {
  mkdirSync(resultsDir, { recursive: true });
  const checks = new Map<string, { check: CheckResult; ids: string[] }>();
  for (const r of results.requirements) {
    for (const t of r.tests) {
      const k = `${t.file ?? ""}\u0000${t.title}`;
      const seen = checks.get(k);
      if (seen) seen.ids.push(r.id);
      else checks.set(k, { check: t, ids: [r.id] });
    }
  }
  let marked = 0;
  const inconclusive = new Map([...checks.values()].filter((c) => c.check.status === "inconclusive").map((c) => [c.check.title, c.check]));
  if (inconclusive.size) {
    for (const f of readdirSync(resultsDir).filter((n) => n.endsWith("-result.json"))) {
      const path = join(resultsDir, f);
      const res = JSON.parse(readFileSync(path, "utf8")) as { name?: string; status?: string; statusDetails?: { message?: string } };
      const c = res.name ? inconclusive.get(res.name) : undefined;
      if (!c || res.status !== "passed") continue;
      res.status = "unknown";
      res.statusDetails = { ...res.statusDetails, message: `inconclusive: ${c.reason ?? ""}` };
      writeFileSync(path, JSON.stringify(res));
      marked++;
    }
  }
  let added = 0;
  const now = Date.parse(results.finishedAt) || Date.now();
  // The fixtures label executed tests with the profile's title as epic: the same here.
  let epic = results.profile;
  try {
    epic = loadProfile(results.profile).title.en;
  } catch {
    /* a profile no longer there: its id */
  }
  for (const { check, ids } of checks.values()) {
    if (check.status !== "not-run") continue;
    const uuid = randomUUID();
    const suite = check.file?.split("/")[0] ?? "";
    const result = {
      uuid,
      historyId: createHash("md5").update(`${check.file ?? ""}#${check.title}`).digest("hex"),
      name: check.title,
      fullName: `${check.file ?? ""}#${check.title}`,
      status: "skipped",
      statusDetails: { message: `not run: ${check.reason ?? ""}` },
      stage: "finished",
      start: now,
      stop: now,
      labels: [
        { name: "epic", value: epic },
        { name: "feature", value: suite },
        { name: "suite", value: suite },
        ...ids.flatMap((id) => [{ name: "requirement", value: id }, { name: "story", value: id }]),
      ],
      links: [],
      parameters: [],
      steps: [],
      attachments: [],
    };
    writeFileSync(join(resultsDir, `${uuid}-result.json`), JSON.stringify(result));
    added++;
  }
  return { added, marked };
}
