import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../config/paths.ts";
import { scenarioTitles } from "./scenario-titles.ts";
import type { CatalogueEntry } from "./results.ts";
import { ENV } from "../config/run-context.ts";

/**
 * The catalogue: every check (test) under scenarios/, whether or not this run selects it, so results.json can
 * list the checks that did not run and say why. `mxaccept run` lists it with `playwright test --list` over all
 * suites (exact titles as Playwright loads them; MXACCEPT_CATALOGUE=1 makes playwright.config.ts select nothing
 * away) while the reference instance starts and the scenarios run, and writes it into the report folder as
 * catalogue.json; the reporter waits for it there at the end. Should listing fail, the static scan of the spec files (the one the README's table
 * uses) stands in, and the run says so.
 */

export interface Catalogue {
  source: "playwright --list" | "static scan";
  entries: CatalogueEntry[];
  ms: number;
  /** Why the static scan stands in. */
  problem?: string;
}

interface ListSuite {
  title: string;
  file?: string;
  specs?: { title: string; file: string; line: number }[];
  suites?: ListSuite[];
}

/** The entries of a `playwright test --list --reporter=json` report. */
export function entriesOfListReport(report: { suites?: ListSuite[] }): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  const walk = (s: ListSuite, describes: string[], file: string) => {
    for (const spec of s.specs ?? []) out.push({ file: spec.file.replace(/\\/g, "/"), describes, title: spec.title, line: spec.line });
    for (const child of s.suites ?? []) walk(child, [...describes, child.title], file);
  };
  for (const fileSuite of report.suites ?? []) walk(fileSuite, [], fileSuite.file ?? fileSuite.title);
  return out;
}

export function staticCatalogue(root = projectRoot()): CatalogueEntry[] {
  return scenarioTitles(root).map((t) => ({ file: t.file.replace(/^scenarios\//, ""), describes: [], title: t.title }));
}

/** Lists every check with Playwright; never throws (the static scan stands in, with the problem named). */
export async function listCatalogue(targetFile: string): Promise<Catalogue> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "mxa-catalogue-"));
  const out = join(dir, "list.json");
  const cli = join(projectRoot(), "node_modules", "@playwright", "test", "cli.js");
  const stderr: string[] = [];
  try {
    const code = await new Promise<number>((res) => {
      const child = spawn(process.execPath, [cli, "test", "--list", "--reporter=json", "-c", join(projectRoot(), "playwright.config.ts")], {
        cwd: projectRoot(),
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, [ENV.target]: targetFile, [ENV.reportDir]: dir, MXACCEPT_CATALOGUE: "1", PLAYWRIGHT_JSON_OUTPUT_FILE: out },
      });
      // A run that ends early (a bad target, Ctrl-C) must not leave the listing or its folder behind.
      const stop = () => {
        child.kill("SIGTERM");
        rmSync(dir, { recursive: true, force: true });
      };
      process.once("exit", stop);
      child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
      child.on("error", () => res(127));
      child.on("exit", (c) => {
        process.off("exit", stop);
        res(c ?? 1);
      });
    });
    const report = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as { suites?: ListSuite[]; errors?: { message?: string }[] }) : undefined;
    const problem = !report ? `playwright --list exited ${code} without a list (${stderr.join("").trim().split("\n").pop() ?? ""})` : report.errors?.length ? `playwright --list: ${report.errors[0]!.message?.split("\n")[0] ?? "error"}` : undefined;
    if (!problem && report) return { source: "playwright --list", entries: entriesOfListReport(report), ms: performance.now() - t0 };
    return { source: "static scan", entries: staticCatalogue(), ms: performance.now() - t0, problem };
  } catch (e) {
    return { source: "static scan", entries: staticCatalogue(), ms: performance.now() - t0, problem: (e as Error).message.split("\n")[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeCatalogue(reportDir: string, catalogue: Catalogue): void {
  // Written whole, then renamed: the reporter never reads half a file.
  const path = join(reportDir, "catalogue.json");
  writeFileSync(`${path}.tmp`, JSON.stringify(catalogue, null, 2));
  renameSync(`${path}.tmp`, path);
}

/**
 * The run's catalogue.json; `mxaccept run` lists it while the scenarios run, so the reporter waits for it up to
 * `waitMs`. Without one (or past the deadline) the static scan stands in, and says so.
 */
export async function readCatalogue(reportDir: string, waitMs = 0): Promise<Catalogue> {
  const path = join(reportDir, "catalogue.json");
  const deadline = Date.now() + waitMs;
  while (!existsSync(path) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as Catalogue;
  return { source: "static scan", entries: staticCatalogue(), ms: 0, problem: waitMs ? `no catalogue.json within ${Math.round(waitMs / 1000)} s` : "the run wrote no catalogue.json" };
}
