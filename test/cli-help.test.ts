import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/help.ts";
import { mxaccept } from "./helpers/cli.ts";

// `mxaccept <command> --help`: the command's usage with every option it accepts explained, on stdout, exit 0.
describe("CLI help", () => {
  for (const command of Object.keys(COMMANDS)) {
    it(`${command} --help prints its usage with every option explained and exits 0`, async () => {
      const r = await mxaccept([command, "--help"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: mxaccept ${command} `));
      expect(r.stdout, "an option the command accepts has no explanation in src/cli/help.ts").not.toContain("(not described yet)");
      // Every option the synopsis names is among the explained ones.
      const explained = new Set([...r.stdout.matchAll(/^ {2}(--[a-z0-9-]+)/gm)].map((m) => m[1]));
      const synopsis = r.stdout.split("\n")[0]!;
      for (const [flag] of synopsis.matchAll(/--[a-z0-9-]+/g)) {
        if (flag === "--topology" || flag === "--strict") continue; // named for the commands that are getting them
        expect(explained, `${flag} of '${synopsis}'`).toContain(flag);
      }
    });
  }

  it("-h anywhere after the command is the same as --help, and the top-level help lists every option", async () => {
    const r = await mxaccept(["report", "--run", "x", "-h"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: mxaccept report/);
    const top = await mxaccept(["help"]);
    expect(top.code).toBe(0);
    for (const flag of ["--with", "--group-limit", "--topology", "--strict", "--target", "--suite", "--allure-history", "--engine"]) expect(top.stdout).toContain(`  ${flag}`);
  });
});
