import { createWorker } from "./app";

// Wiring only: the worker (the Hono app behind the upgrade fast path); the Durable Object
// classes are exported by name for the bindings in wrangler.toml.
export { ChannelRoom } from "./channel/ChannelRoom";
export { ChannelShard } from "./channel/ChannelShard";
export { UserRoom } from "./user/UserRoom";
export { StatsRoom } from "./ops/StatsRoom";

export default createWorker();
