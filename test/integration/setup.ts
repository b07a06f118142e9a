import { applyD1Migrations, env } from "cloudflare:test";

// Idempotent: migrations already applied to this test's D1 are skipped.
await applyD1Migrations(env.DB, (env as unknown as { TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).TEST_MIGRATIONS);
