import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../src/config/paths.ts";
import { staticCatalogue } from "../src/report/catalogue.ts";
import { PHASES } from "../src/report/results.ts";
import { ENV } from "../src/config/run-context.ts";

/**
 * The run's two phases (playwright.config.ts): every check is in exactly one Playwright project, "parallel" (and
 * "parts", its second half: the suites that need the scanner or Keycloak) or "exclusive"; the exclusive one holds the checks that disturb others (tagged @exclusive), in the order its one
 * worker runs them, the brute-force check last (its throttle would fail every later login from this address).
 * Listed as `mxaccept run` lists its catalogue; test/phases.e2e.test.ts shows the phases in a real run.
 */
function listed(): { project: string; file: string; title: string }[] {
  const dir = mkdtempSync(join(tmpdir(), "mxa-phases-"));
  const r = spawnSync(process.execPath, [join(projectRoot(), "node_modules", "@playwright", "test", "cli.js"), "test", "--list", "--reporter=list", "-c", join(projectRoot(), "playwright.config.ts")], {
    cwd: projectRoot(),
    encoding: "utf8",
    env: { ...process.env, [ENV.target]: join(dir, "target.env"), [ENV.reportDir]: dir, MXACCEPT_CATALOGUE: "1" },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").flatMap((l) => {
    const m = /^\s*\[(\w+)\] › (\S+):\d+:\d+ › (.*)$/.exec(l);
    return m ? [{ project: m[1]!, file: m[2]!, title: m[3]!.replace(/ @exclusive$/, "") }] : [];
  });
}

describe("the run's phases", () => {
  const tests = listed();
  it("list every check once, in one phase", () => {
    expect(tests.length).toBe(staticCatalogue().length);
    expect(new Set(tests.map((t) => `${t.file} ${t.title}`)).size).toBe(tests.length);
    expect(new Set(tests.map((t) => t.project))).toEqual(new Set(PHASES));
  });
  it("queue the checks that need a part the run may still be starting (scanner, Keycloak) after the others", () => {
    const suiteOf = (f: string) => f.split("/")[0]!;
    const inParts = tests.filter((t) => t.project === "parts");
    expect(new Set(inParts.map((t) => (t.file === "security/transport.spec.ts" ? t.file : suiteOf(t.file))))).toEqual(new Set(["virus", "identity", "portals", "security/transport.spec.ts"]));
    expect(tests.filter((t) => t.project === "parallel").some((t) => ["virus", "identity", "portals"].includes(suiteOf(t.file)) || t.file === "security/transport.spec.ts")).toBe(false);
  });
  it("run the disruptive checks alone after the others, the brute-force check last", () => {
    const exclusive = tests.filter((t) => t.project === "exclusive");
    expect(exclusive.map((t) => `${t.file} ${t.title.split(" ")[0]}`)).toEqual([
      "federation/federation.spec.ts VSM-2.1.cross-tenant",
      "retention/messages.spec.ts BUM-2.5.messages",
      "security/bruteforce.spec.ts SEC-bruteforce",
    ]);
  });
});
