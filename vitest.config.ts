import { defineConfig } from "vitest/config";

// Under CI, also write a JSON summary that .ci/run turns into the plain "N passed, N failed" line.
const ci = Boolean(process.env.CI);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once when missing (the wasm kernels and the spawned CLI need it).
    globalSetup: ["test/setup/build.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ci ? ["default", "json"] : ["default"],
    outputFile: ci ? { json: "test-artifacts/vitest.json" } : undefined,
  },
});
