import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";

// The defaults of docs/protocol.md#limits; each overridable by a wrangler var; missing or unparsable values fall back.
const DEFAULTS = {
  environment: "production",
  frameLimitBytes: 65_536,
  textLimitBytes: 16_384,
  maxFilters: 32,
  typingIntervalMs: 2000,
  commandRatePerSec: 20,
  commandBurst: 40,
  authDeadlineMs: 10_000,
  pingIntervalMs: 25_000,
  wsTokenTtlSeconds: 3600,
  accessTokenTtlSeconds: 86_400,
  eventLogMinEvents: 1000,
  eventLogMinAgeMs: 86_400_000,
  resumeMaxEvents: 1000,
  historyPageMax: 200,
  historyPageDefault: 50,
  channelsPerHour: 100,
  usersAddedPerHour: 1000,
  failedLookupsPerHour: 500,
  maxLocksPerUser: 100,
  maxSocketsPerUser: 50,
};

const table: { why: string; env: Record<string, unknown>; expected: Record<string, unknown> }[] = [
  { why: "no vars: the documented defaults", env: {}, expected: DEFAULTS },
  { why: "string vars (as wrangler passes them) are parsed", env: { PING_INTERVAL_MS: "1000", FRAME_LIMIT_BYTES: "1024" }, expected: { pingIntervalMs: 1000, frameLimitBytes: 1024 } },
  { why: "number vars are taken as they are", env: { MAX_FILTERS: 8 }, expected: { maxFilters: 8 } },
  { why: "unparsable falls back to the default", env: { PING_INTERVAL_MS: "soon" }, expected: { pingIntervalMs: 25_000 } },
  { why: "empty string falls back", env: { TEXT_LIMIT_BYTES: "" }, expected: { textLimitBytes: 16_384 } },
  { why: "zero falls back (a zero limit would disable the service)", env: { HISTORY_PAGE_MAX: "0" }, expected: { historyPageMax: 200 } },
  { why: "negative falls back", env: { AUTH_DEADLINE_MS: "-5" }, expected: { authDeadlineMs: 10_000 } },
  { why: "Infinity falls back", env: { COMMAND_BURST: "Infinity" }, expected: { commandBurst: 40 } },
  { why: "non-string, non-number falls back", env: { WS_TOKEN_TTL_SECONDS: true }, expected: { wsTokenTtlSeconds: 3600 } },
  { why: "ENVIRONMENT is read", env: { ENVIRONMENT: "development" }, expected: { environment: "development" } },
  { why: "an empty ENVIRONMENT keeps production (the safe default)", env: { ENVIRONMENT: "" }, expected: { environment: "production" } },
  { why: "unrelated vars are ignored", env: { JWT_SECRET: "s", DB: {} }, expected: DEFAULTS },
];

describe("loadConfig", () => {
  for (const row of table) {
    it(row.why, () => expect(loadConfig(row.env)).toMatchObject(row.expected));
  }

  it("wrangler.toml's vars equal the defaults (one source of truth for the limits)", async () => {
    const { readFile } = await import("node:fs/promises");
    const toml = await readFile(new URL("../../wrangler.toml", import.meta.url), "utf8");
    const vars: Record<string, string> = {};
    for (const m of toml.matchAll(/^([A-Z0-9_]+)\s*=\s*"([^"]*)"/gm)) vars[m[1]!] = m[2]!;
    const { environment: _e, ...fromToml } = loadConfig(vars);
    const { environment: _d, ...defaults } = loadConfig({});
    expect(fromToml).toEqual(defaults);
  });

  it("is computed once per env object", () => {
    const env = { PING_INTERVAL_MS: "1234" };
    expect(loadConfig(env)).toBe(loadConfig(env));
    expect(loadConfig({ PING_INTERVAL_MS: "1234" })).not.toBe(loadConfig(env));
  });
});

describe("the IP_LIMITER rate-limiting binding", () => {
  it("Retry-After is the binding's period as wrangler.toml declares it", async () => {
    const { readFile } = await import("node:fs/promises");
    const { IP_LIMIT_PERIOD_SECONDS } = await import("../../src/http/ipLimit");
    const toml = await readFile(new URL("../../wrangler.toml", import.meta.url), "utf8");
    const block = /\[\[ratelimits\]\][^[]*name = "IP_LIMITER"[^[]*simple = \{ limit = (\d+), period = (\d+) \}/.exec(toml);
    expect(block).not.toBeNull();
    expect(Number(block![2])).toBe(IP_LIMIT_PERIOD_SECONDS);
    // the contract's floor: at least 300 per minute per IP and route
    expect((Number(block![1]) * 60) / Number(block![2])).toBeGreaterThanOrEqual(300);
  });
});
