import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { projectRoot } from "../config/paths.ts";
import { requirementIds } from "./results.ts";

/**
 * The scenario titles, read statically: every `test("ID … title", …)` (also test.skip/fixme/fail/slow, with ', " or `
 * quotes) in scenarios/**\/*.ts. The catalogue's static scan and the README's requirements table read them here.
 */
export interface ScenarioTitle {
  title: string;
  file: string;
  ids: string[];
}

const TEST_CALL = /\btest(?:\.(?:only|skip|fixme|fail|slow))?\(\s*(["'`])((?:(?!\1)[^\\]|\\.)*)\1/g;

function specFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? specFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

export function scenarioTitles(root = projectRoot()): ScenarioTitle[] {
  const dir = join(root, "scenarios");
  return specFiles(dir).flatMap((file) => [...readFileSync(file, "utf8").matchAll(TEST_CALL)].map((m) => {
    const title = m[2]!.replace(/\\(.)/g, "$1");
    return { title, file: relative(root, file), ids: requirementIds(title) };
  }).filter((t) => t.ids.length > 0));
}
