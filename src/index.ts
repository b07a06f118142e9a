import { createApp } from "./http/app";

// Wiring only: the Hono app is the worker; the Durable Object classes are exported by name for
// the bindings in wrangler.toml.
export { ChannelRoom } from "./channel/ChannelRoom";
export { UserRoom } from "./user/UserRoom";
export { StatsRoom } from "./ops/StatsRoom";

export default createApp();
