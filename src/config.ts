/**
 * Limits and timings in one place (docs/protocol.md#limits). Each can be overridden by a wrangler var of the same
 * name; anything missing or unparsable falls back to the default below.
 */
export interface Config {
  environment: string;
  logLevel: string;
  frameLimitBytes: number;
  textLimitBytes: number;
  maxFilters: number;
  maxFilterPropertyLength: number;
  maxFilterValueLength: number;
  typingIntervalMs: number;
  commandRatePerSec: number;
  commandBurst: number;
  authDeadlineMs: number;
  pingIntervalMs: number;
  wsTokenTtlSeconds: number;
  accessTokenTtlSeconds: number;
  eventLogMinEvents: number;
  eventLogMinAgeMs: number;
  resumeMaxEvents: number;
  directoryRetryBaseMs: number;
  directoryRetryMaxMs: number;
  statsShards: number;
  statsSilenceMs: number;
  historyPageMax: number;
  historyPageDefault: number;
  pbkdf2Iterations: number;
  maxUnauthenticatedPerRoom: number;
  readCoalesceMs: number;
  unreadCoalesceMs: number;
  lockTtlDefaultSeconds: number;
  lockTtlMaxSeconds: number;
  /** per-user quotas (docs/security.md "Quotas"): hourly buckets kept in the user's UserRoom */
  channelsPerHour: number;
  usersAddedPerHour: number;
  failedLookupsPerHour: number;
  /** locks one user holds in one channel at once */
  maxLocksPerUser: number;
  /** authenticated sockets one user holds in one room (a channel, or the user stream) at once */
  maxSocketsPerUser: number;
  /**
   * sockets one object of a channel holds before the channel spreads over fan-out shards
   * (docs/architecture.md "Fan-out shards"); the channel's room holds the first ones itself
   */
  shardSocketCap: number;
  sessionCheckTtlMs: number;
  serverKeyCacheMs: number;
  webhookCacheMs: number;
  webhookRetryBaseSeconds: number;
  webhookRetryMaxSeconds: number;
  webhookPauseAfterFailures: number;
  webhookTimeoutMs: number;
  webhookReplayPageMax: number;
  webhookMaxEndpoints: number;
  /** Web Push (docs/push.md): how long an offline user's notifications are gathered before one is sent */
  pushCoalesceMs: number;
  /** at most this much is added to each window at random, so many users' flushes do not land together */
  pushJitterMs: number;
  pushMaxSubscriptions: number;
  pushRetryBaseSeconds: number;
  pushRetryMaxSeconds: number;
  /** how long a push service keeps a notification for a device that is not reachable (the TTL header) */
  pushTtlSeconds: number;
  pushTimeoutMs: number;
}

export const DEFAULTS: Config = {
  environment: "production",
  logLevel: "info",
  frameLimitBytes: 64 * 1024,
  textLimitBytes: 16 * 1024,
  maxFilters: 32,
  maxFilterPropertyLength: 128,
  maxFilterValueLength: 128,
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
  directoryRetryBaseMs: 1000,
  directoryRetryMaxMs: 300_000,
  statsShards: 32,
  statsSilenceMs: 300_000,
  historyPageMax: 200,
  historyPageDefault: 50,
  pbkdf2Iterations: 100_000,
  maxUnauthenticatedPerRoom: 1000,
  readCoalesceMs: 1000,
  unreadCoalesceMs: 1000,
  lockTtlDefaultSeconds: 600,
  lockTtlMaxSeconds: 3600,
  channelsPerHour: 100,
  usersAddedPerHour: 1000,
  failedLookupsPerHour: 500,
  maxLocksPerUser: 100,
  maxSocketsPerUser: 50,
  shardSocketCap: 1000,
  sessionCheckTtlMs: 5000,
  serverKeyCacheMs: 5000,
  webhookCacheMs: 5000,
  webhookRetryBaseSeconds: 10,
  webhookRetryMaxSeconds: 3600,
  webhookPauseAfterFailures: 20,
  webhookTimeoutMs: 10_000,
  webhookReplayPageMax: 500,
  webhookMaxEndpoints: 50,
  pushCoalesceMs: 5000,
  pushJitterMs: 1000,
  pushMaxSubscriptions: 10,
  pushRetryBaseSeconds: 5,
  pushRetryMaxSeconds: 600,
  pushTtlSeconds: 86_400,
  pushTimeoutMs: 10_000,
};

const VAR_NAMES: Record<Exclude<keyof Config, "environment" | "logLevel">, string> = {
  frameLimitBytes: "FRAME_LIMIT_BYTES",
  textLimitBytes: "TEXT_LIMIT_BYTES",
  maxFilters: "MAX_FILTERS",
  maxFilterPropertyLength: "MAX_FILTER_PROPERTY_LENGTH",
  maxFilterValueLength: "MAX_FILTER_VALUE_LENGTH",
  typingIntervalMs: "TYPING_INTERVAL_MS",
  commandRatePerSec: "COMMAND_RATE_PER_SEC",
  commandBurst: "COMMAND_BURST",
  authDeadlineMs: "AUTH_DEADLINE_MS",
  pingIntervalMs: "PING_INTERVAL_MS",
  wsTokenTtlSeconds: "WS_TOKEN_TTL_SECONDS",
  accessTokenTtlSeconds: "ACCESS_TOKEN_TTL_SECONDS",
  eventLogMinEvents: "EVENT_LOG_MIN_EVENTS",
  eventLogMinAgeMs: "EVENT_LOG_MIN_AGE_MS",
  resumeMaxEvents: "RESUME_MAX_EVENTS",
  directoryRetryBaseMs: "DIRECTORY_RETRY_BASE_MS",
  directoryRetryMaxMs: "DIRECTORY_RETRY_MAX_MS",
  statsShards: "STATS_SHARDS",
  statsSilenceMs: "STATS_SILENCE_MS",
  historyPageMax: "HISTORY_PAGE_MAX",
  historyPageDefault: "HISTORY_PAGE_DEFAULT",
  pbkdf2Iterations: "PBKDF2_ITERATIONS",
  maxUnauthenticatedPerRoom: "MAX_UNAUTHENTICATED_PER_ROOM",
  readCoalesceMs: "READ_COALESCE_MS",
  unreadCoalesceMs: "UNREAD_COALESCE_MS",
  lockTtlDefaultSeconds: "LOCK_TTL_DEFAULT_SECONDS",
  lockTtlMaxSeconds: "LOCK_TTL_MAX_SECONDS",
  channelsPerHour: "QUOTA_CHANNELS_PER_HOUR",
  usersAddedPerHour: "QUOTA_USERS_ADDED_PER_HOUR",
  failedLookupsPerHour: "QUOTA_FAILED_LOOKUPS_PER_HOUR",
  maxLocksPerUser: "MAX_LOCKS_PER_USER",
  maxSocketsPerUser: "MAX_SOCKETS_PER_USER",
  shardSocketCap: "SHARD_SOCKET_CAP",
  sessionCheckTtlMs: "SESSION_CHECK_TTL_MS",
  serverKeyCacheMs: "SERVER_KEY_CACHE_MS",
  webhookCacheMs: "WEBHOOK_CACHE_MS",
  webhookRetryBaseSeconds: "WEBHOOK_RETRY_BASE_SECONDS",
  webhookRetryMaxSeconds: "WEBHOOK_RETRY_MAX_SECONDS",
  webhookPauseAfterFailures: "WEBHOOK_PAUSE_AFTER_FAILURES",
  webhookTimeoutMs: "WEBHOOK_TIMEOUT_MS",
  webhookReplayPageMax: "WEBHOOK_REPLAY_PAGE_MAX",
  webhookMaxEndpoints: "WEBHOOK_MAX_ENDPOINTS",
  pushCoalesceMs: "PUSH_COALESCE_MS",
  pushJitterMs: "PUSH_JITTER_MS",
  pushMaxSubscriptions: "PUSH_MAX_SUBSCRIPTIONS",
  pushRetryBaseSeconds: "PUSH_RETRY_BASE_SECONDS",
  pushRetryMaxSeconds: "PUSH_RETRY_MAX_SECONDS",
  pushTtlSeconds: "PUSH_TTL_SECONDS",
  pushTimeoutMs: "PUSH_TIMEOUT_MS",
};

const cache = new WeakMap<object, Config>();

export function loadConfig(env: Record<string, unknown>): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const config: Config = { ...DEFAULTS };
  for (const [key, name] of Object.entries(VAR_NAMES) as [keyof typeof VAR_NAMES, string][]) {
    const raw = env[name];
    const value = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : NaN;
    if (Number.isFinite(value) && value > 0) config[key] = value;
  }
  if (typeof env.ENVIRONMENT === "string" && env.ENVIRONMENT) config.environment = env.ENVIRONMENT;
  if (typeof env.LOG_LEVEL === "string" && env.LOG_LEVEL) config.logLevel = env.LOG_LEVEL;
  cache.set(env, config);
  return config;
}
