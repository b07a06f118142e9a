import { defineConfig } from "vitest/config";

/**
 * The browser test (`npm run test:browser`): the demo app in Chrome or Chromium driven by
 * playwright-core, against a local server it starts and restarts itself. Kept out of the default
 * projects because it needs a browser (test/browser/chromium.ts says how it is found).
 */
export default defineConfig({
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/browser/global-setup.ts"],
    testTimeout: 150_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
