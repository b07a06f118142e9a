import type { ChannelRoomRpc } from "./channelRoom";
import type { ChannelShardRpc } from "./channelShard";
import type { UserRoomRpc } from "./userRoom";

/** The room bindings (wrangler.toml), typed against the rooms' RPC interfaces. */
export interface RoomBindings {
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoomRpc>;
  USER_ROOM: DurableObjectNamespace<UserRoomRpc>;
  CHANNEL_SHARD: DurableObjectNamespace<ChannelShardRpc>;
}

/**
 * One naming rule for each kind of room (docs/architecture.md): `channel:<id>`, `user:<id>` and
 * `shard:<channel id>:<k>` (a channel's fan-out shards, k = 1, 2, ...). A room reads its own name
 * back from `ctx.id.name`.
 */
export function channelRoom(env: RoomBindings, channelId: number) {
  return env.CHANNEL_ROOM.get(env.CHANNEL_ROOM.idFromName(`channel:${channelId}`));
}

export function userRoom(env: RoomBindings, userId: number) {
  return env.USER_ROOM.get(env.USER_ROOM.idFromName(`user:${userId}`));
}

export function channelShard(env: RoomBindings, channelId: number, k: number) {
  return env.CHANNEL_SHARD.get(env.CHANNEL_SHARD.idFromName(shardName(channelId, k)));
}

export function shardName(channelId: number, k: number): string {
  return `shard:${channelId}:${k}`;
}

/** What a room's name (`ctx.id.name`) says it is; null for a name no room kind uses. */
export type RoomName = { kind: "channel"; id: number } | { kind: "user"; id: number } | { kind: "shard"; id: number; k: number };

export function parseRoomName(name: string | undefined): RoomName | null {
  const m = name === undefined ? null : /^(channel|user):(\d+)$/.exec(name);
  if (m) return { kind: m[1] as "channel" | "user", id: Number(m[2]) };
  const shard = parseShardName(name);
  return shard ? { kind: "shard", id: shard.channelId, k: shard.k } : null;
}

/** The channel id and shard index in a shard's name, or null for any other name. */
export function parseShardName(name: string | undefined): { channelId: number; k: number } | null {
  const m = name === undefined ? null : /^shard:(\d+):(\d+)$/.exec(name);
  return m ? { channelId: Number(m[1]), k: Number(m[2]) } : null;
}
