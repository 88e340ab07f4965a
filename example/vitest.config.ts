import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Test the workspace dependency from source, so `npm test` needs no prior build.
    alias: {
      "@storytailor/universal-agent": fileURLToPath(
        new URL("./packages/universal-agent/src/index.ts", import.meta.url),
      ),
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/*.integration.test.ts"],
    environment: "node",
    coverage: {
      provider: "v8",
      reporter: ["json-summary", "lcov", "text"],
      reportsDirectory: "coverage",
      reportOnFailure: true,
      include: ["packages/*/src/**/*.ts"],
      exclude: ["**/*.test.ts", "packages/*/src/server.ts", "packages/*/src/index.ts"],
      thresholds: { lines: 90, statements: 90, functions: 90, branches: 90 },
    },
  },
});
