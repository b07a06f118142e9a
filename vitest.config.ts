import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildDemo } from "./demo/build.ts";

/** Integration files that open channel sockets: they run once more with the channel sharded. */
const CHANNEL_SOCKET_TESTS = [
  "actions", "alarm", "broadcast", "budgets", "contract-docs", "faults", "hibernation", "hostile", "http-chat",
  "http-errors", "input-bounds", "locks", "membership", "message-edit-delete", "message-life-authz", "operator",
  "presence", "presence-channels", "presence-leases", "profile", "push", "quotas", "reactions", "reads-unread",
  "redaction", "resume", "room-caches", "room-storage", "security-tokens", "server-api", "sessions", "ws-auth",
  "ws-basics", "ws-commands", "ws-filters",
].map((name) => `test/integration/${name}.test.ts`);

/** e2e files whose clients open channel sockets: they run once more against sharded servers. */
const E2E_CHANNEL_SOCKET_TESTS = [
  "client", "exhaustion", "hostile", "membership-presence", "message-life", "push", "restart", "seq", "sessions",
  "sockets", "walkthrough", "webhooks",
].map((name) => `test/e2e/${name}.test.ts`);

/**
 * Three layers: pure units in Node, integration inside workerd through the real
 * entry point, and e2e with real `ws` clients against `npm start` (the README's command).
 */
export default defineConfig(async () => {
  // The worker imports the demo it serves (src/generated/demo.ts): build it even when vitest is
  // run directly rather than through `npm test`.
  buildDemo();
  const migrations = await readD1Migrations("./migrations");
  const integration = (name: string, include: string[], bindings: Record<string, string>) => ({
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
            ...bindings,
          },
        },
      }),
    ],
    test: {
      name,
      include,
      // The shard tests need the tiny cap of their own project.
      exclude: name === "integration" ? ["test/integration/shards/**"] : [],
      setupFiles: ["./test/integration/setup.ts"],
      testTimeout: 20_000,
    },
  });
  const e2e = (name: string, include: string[], env: Record<string, string>) => ({
    test: {
      name,
      include,
      environment: "node",
      env,
      globalSetup: ["./test/e2e/global-setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      // One wrangler dev serves the whole layer; files run one after another against it.
      fileParallelism: false,
    },
  });
  return {
    test: {
      projects: [
        {
          test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
        },
        integration("integration", ["test/integration/**/*.test.ts"], {}),
        // The channel-socket layer again with every channel spread over fan-out shards of two
        // sockets each (docs/architecture.md "Fan-out shards"): shards must be invisible to it.
        integration("integration-sharded", [...CHANNEL_SOCKET_TESTS, "test/integration/shards/**/*.test.ts"], { SHARD_SOCKET_CAP: "2" }),
        e2e("e2e", ["test/e2e/**/*.test.ts"], {}),
        // The same clients against servers started with SHARD_SOCKET_CAP=2 (test/helpers/server.ts
        // passes it on): every channel of more than two sockets spreads over fan-out shards.
        e2e("e2e-sharded", E2E_CHANNEL_SOCKET_TESTS, { SHARD_SOCKET_CAP: "2" }),
      ],
    },
  };
});
