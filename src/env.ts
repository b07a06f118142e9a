import type { ChannelRoom } from "./channel/ChannelRoom";
import type { StatsRoom } from "./ops/StatsRoom";
import type { UserRoom } from "./user/UserRoom";
import type { WebhookTask } from "./webhooks/delivery";

/** Bindings and vars of the worker and both Durable Objects (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoom>;
  USER_ROOM: DurableObjectNamespace<UserRoom>;
  STATS: DurableObjectNamespace<StatsRoom>;
  /** Room figures over time (src/ops/stats.ts); optional so a deployment without it still runs. */
  METRICS?: AnalyticsEngineDataset;
  /** Per-IP limits (src/http/ipLimit.ts). */
  IP_LIMITER: RateLimit;
  /** Webhook deliveries (src/webhooks): produced by the rooms and the worker, consumed by the worker. */
  WEBHOOK_QUEUE: Queue<WebhookTask>;
  /** Bearer secret for system.info; unset = the endpoint refuses everyone. */
  OPERATOR_TOKEN?: string;
  ENVIRONMENT?: string;
  JWT_SECRET?: string;
  /** The secret being rotated out: still verifies tokens, never signs (docs/security.md). */
  JWT_SECRET_PREVIOUS?: string;
  [limit: string]: unknown;
}
