import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../config/errors.ts";
import { projectRoot } from "../config/paths.ts";

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
