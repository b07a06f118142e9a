import type { Env } from "../env";

/** One naming rule for each kind of room: `channel:<id>` and `user:<id>`. */
export function channelRoom(env: Env, channelId: number) {
  return env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(`channel:${channelId}`));
}

export function userRoom(env: Env, userId: number) {
  return env.USER_ROOM.get(env.USER_ROOM.idFromName(`user:${userId}`));
}
