import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One temporary folder for the run, removed when every test passed (test/global-setup.ts).
    globalSetup: ["test/global-setup.ts"],
    // The end-to-end self-tests start their own reference instances (own state folder, free ports): two files at a
    // time. They mostly wait on the homeservers, so on 2 cores two at a time take about half as long as one by one.
    // MXACCEPT_SELFTEST_WORKERS=1 runs them one by one. Only test/topology.e2e.test.ts needs 127.0.0.1:443 (npm test's
    // production scenario runs start after the self-tests), and test/mas-stack.e2e.test.ts when MXACCEPT_MAS_BIN is
    // set, which waits until 443 and 80 are free.
    fileParallelism: true,
    maxWorkers: Number(process.env.MXACCEPT_SELFTEST_WORKERS ?? 2),
    minWorkers: 1,
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
