import type { Env } from "../env";
import { noChannel } from "../rooms/errors";
import { missingRoom } from "../rooms/existence";
import { channelRoom } from "../rooms/stubs";
import { ApiError } from "./errors";

/**
 * The room of a channel that exists. A channel id that was never created, or whose channel was
 * removed, is 404 `channel_not_found` (what the room itself answers) without reaching a Durable
 * Object, which would otherwise store a schema for it.
 */
export async function liveChannelRoom(env: Env, channelId: number) {
  if (await missingRoom(env, "channel", channelId)) throw ApiError.from(noChannel());
  return channelRoom(env, channelId);
}
