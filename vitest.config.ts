import { defineConfig } from "vitest/config";

// One run covers every package and app. Tests that touch shared services (PostgreSQL, Redis)
// isolate themselves (own schema, own key prefix), so files may run in parallel.
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A poll waits on a page or a server that shares two cores with another test file; its 1 s
    // default failed tests that were only slow.
    expect: { poll: { timeout: 10_000 } },
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});
