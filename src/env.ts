import type { ChannelRoomRpc } from "./contracts/channelRoom";
import type { StatsRoomRpc } from "./contracts/stats";
import type { UserRoomRpc } from "./contracts/userRoom";
import type { WebhookTask } from "./contracts/webhooks";

/** Bindings and vars of the worker and both Durable Objects (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoomRpc>;
  USER_ROOM: DurableObjectNamespace<UserRoomRpc>;
  STATS: DurableObjectNamespace<StatsRoomRpc>;
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
