import type { ChannelRoomRpc } from "./contracts/channelRoom";
import type { ChannelShardRpc } from "./contracts/channelShard";
import type { StatsRoomRpc } from "./contracts/stats";
import type { UserRoomRpc } from "./contracts/userRoom";
import type { WebhookTask } from "./contracts/webhooks";
import type { PushTask } from "./contracts/push";

/** Bindings and vars of the worker and both Durable Objects (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoomRpc>;
  USER_ROOM: DurableObjectNamespace<UserRoomRpc>;
  /** A hot channel's fan-out shards (src/channel/ChannelShard.ts), placed by its ChannelRoom. */
  CHANNEL_SHARD: DurableObjectNamespace<ChannelShardRpc>;
  STATS: DurableObjectNamespace<StatsRoomRpc>;
  /** Room figures over time (src/ops/stats.ts); optional so a deployment without it still runs. */
  METRICS?: AnalyticsEngineDataset;
  /** Per-IP limits (src/http/ipLimit.ts). */
  IP_LIMITER: RateLimit;
  /** Webhook deliveries (src/webhooks): produced by the rooms and the worker, consumed by the worker. */
  WEBHOOK_QUEUE: Queue<WebhookTask>;
  /** Web Push deliveries (src/push): produced by user rooms, consumed by the worker. */
  PUSH_QUEUE: Queue<PushTask>;
  /** VAPID key pair (base64url: the uncompressed P-256 point, the private scalar) and contact. */
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  /** Bearer secret for system.info; unset = the endpoint refuses everyone. */
  OPERATOR_TOKEN?: string;
  ENVIRONMENT?: string;
  JWT_SECRET?: string;
  /** The secret being rotated out: still verifies tokens, never signs (docs/security.md). */
  JWT_SECRET_PREVIOUS?: string;
  [limit: string]: unknown;
}
