/**
 * One temporary folder for a whole self-test run: every file the self-tests, the instances they start and the tools
 * those spawn put under the system's temporary folder goes here (TMPDIR, inherited by the test workers and every
 * process they start). Removed at the end when every test passed; kept, with its path printed, when one failed, so
 * its instances' logs can be read. MXACCEPT_KEEP_TEST_FILES=1 keeps it always.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), "mxa-selftest-"));
  // The PostgreSQL part runs its server as the postgres user in a folder of its own below this one.
  chmodSync(root, 0o755);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    // A job box of test/ci-template.e2e.test.ts left mounted (its test killed) binds the host's /dev below: never
    // remove through a mount.
    const mounted = readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(`${root}/`));
    if (mounted.length) {
      console.log(`the self-tests' temporary files are kept in ${root}: ${mounted[0]} is still mounted (umount -R -l it, then remove the folder)`);
      return;
    }
    const failed = project.vitest.state.getCountOfFailedTests() > 0 || project.vitest.state.getFailedFilepaths().length > 0;
    if (failed || process.env.MXACCEPT_KEEP_TEST_FILES === "1") {
      console.log(`the self-tests' temporary files are kept in ${root}${failed ? " (a test failed)" : ""}`);
      return;
    }
    rmSync(root, { recursive: true, force: true });
  };
}
