import type { ChannelRoomRpc } from "./channelRoom";
import type { UserRoomRpc } from "./userRoom";

/** The room bindings (wrangler.toml), typed against the rooms' RPC interfaces. */
export interface RoomBindings {
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoomRpc>;
  USER_ROOM: DurableObjectNamespace<UserRoomRpc>;
}

/** One naming rule for each kind of room (docs/architecture.md): `channel:<id>` and `user:<id>`. */
export function channelRoom(env: RoomBindings, channelId: number) {
  return env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(`channel:${channelId}`));
}

export function userRoom(env: RoomBindings, userId: number) {
  return env.USER_ROOM.get(env.USER_ROOM.idFromName(`user:${userId}`));
}
