import type { SocketRoomRpc } from "./socketRoom";

/**
 * One step of the ordered stream a channel's room sends each of its fan-out shards
 * (docs/architecture.md "Fan-out shards"): a frame serialized once at the room (with its `seq` when
 * durable, and the same `only` / `except` targeting as in the room), or a close of the shard's
 * sockets (all of them, or one user's) at exactly that point of the stream.
 */
export type ShardItem =
  | { frame: string; seq?: number; only?: number; except?: number }
  | { close: { code: number; reason: string; uid?: number } };

/** The room's answer to a shard socket's first ws_auth. */
export type ShardAdmission =
  | { ok: true; channel_id: number; epoch: string; seq: number }
  | { ok: false; code: number; reason: string };

/** A ws_resume on a shard socket, planned by the room from its log (frames as stored JSON). */
export type ShardResume = { recovered: true; frames: string[] } | { recovered: false; frames: [] };

/** A fan-out shard (src/channel/ChannelShard.ts) as its channel's room calls it. */
export interface ChannelShardRpc extends SocketRoomRpc {
  /** The next items of the stream, in order (a gap in `seq` is filled from the room's log first). */
  deliver(items: ShardItem[]): Promise<void>;
}

/** What a shard asks of its channel's room (src/channel/ChannelRoom.ts, answered by shardHost.ts and eventLog.ts). */
export interface ShardHostRpc {
  /** May this user hold a socket on shard `k`? Counts it there when they may. */
  shardAdmit(k: number, userId: number): Promise<ShardAdmission>;
  /** An admitted socket of the user on shard `k` is gone. */
  shardLeft(k: number, userId: number): Promise<void>;
  /** The stored frames with seq in (after, upTo], or null when the log no longer holds them all. */
  shardLog(after: number, upTo: number): Promise<string[] | null>;
  /** docs/protocol.md#resume for a shard socket whose live stream began at `liveFrom`. */
  shardResume(userId: number, epoch: string, since: number, liveFrom: number): Promise<ShardResume>;
}
