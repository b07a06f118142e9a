import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildDemo } from "./demo/build.ts";

/**
 * Three layers: pure units in Node, integration inside workerd through the real
 * entry point, and e2e with real `ws` clients against `npm start` (the README's command).
 */
export default defineConfig(async () => {
  // The worker imports the demo it serves (src/generated/demo.ts): build it even when vitest is
  // run directly rather than through `npm test`.
  buildDemo();
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
        },
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ENVIRONMENT: "development",
                  // PBKDF2 at full strength costs ~50 ms a hash; tests create hundreds of users.
                  PBKDF2_ITERATIONS: "1000",
                  OPERATOR_TOKEN: "test-operator-token",
                  // Request lines would drown the test output; the log test turns them back on.
                  LOG_LEVEL: "warn",
                  // Small enough that a test can reach it (production default 1000).
                  MAX_UNAUTHENTICATED_PER_ROOM: "20",
                  // A revocation made elsewhere is seen within this; short so a test can wait it out.
                  SESSION_CHECK_TTL_MS: "1000",
                  TEST_MIGRATIONS: migrations,
                },
              },
            }),
          ],
          test: {
            name: "integration",
            include: ["test/integration/**/*.test.ts"],
            setupFiles: ["./test/integration/setup.ts"],
            testTimeout: 20_000,
          },
        },
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/e2e/global-setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            // One wrangler dev serves the whole layer; files run one after another against it.
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
