import type { ChannelRoom } from "./channel/ChannelRoom";
import type { UserRoom } from "./user/UserRoom";

/** Bindings and vars of the worker and both Durable Objects (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoom>;
  USER_ROOM: DurableObjectNamespace<UserRoom>;
  ENVIRONMENT?: string;
  JWT_SECRET?: string;
  [limit: string]: unknown;
}
