import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The end-to-end self-tests start Synapse processes: run files one after another on this 2-core budget.
    fileParallelism: false,
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
