import { defineConfig } from "vitest/config";

// Runs against a live deployment: BASE_URL (required) and API_KEY (optional).
// Vite reserves BASE_URL inside tests (import.meta.env.BASE_URL = "/"), so the
// value is captured here and handed over as INTEGRATION_BASE_URL.
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.integration.test.ts"],
    environment: "node",
    testTimeout: 15_000,
    env: {
      INTEGRATION_BASE_URL: process.env.INTEGRATION_BASE_URL ?? process.env.BASE_URL ?? "",
    },
  },
});
