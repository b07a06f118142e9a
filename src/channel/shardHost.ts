import type { ChannelShardRpc, ShardAdmission } from "../contracts/channelShard";
import { settleAll } from "../ops/log";
import { CloseCode } from "../protocol/closeCodes";
import type { ChannelStore } from "../storage/channelStore";
import type { ShardStore } from "../storage/shardStore";
import type { ShardFanout } from "./shardFanout";

export interface ShardHostDeps {
  store: ChannelStore;
  /** sockets admitted on the channel's fan-out shards */
  shards: ShardStore;
  fanout: ShardFanout;
  /** SHARD_SOCKET_CAP, MAX_SOCKETS_PER_USER */
  cap: number;
  maxSocketsPerUser: number;
  /** the highest seq the room has delivered */
  watermark(): number;
  vacated(): boolean;
  /** the socket layer's counts of this room's own sockets, and its cap on unauthenticated ones */
  room: {
    openSockets(): number;
    socketsOf(userId: number): number;
    tooManyPending(): boolean;
    refusePending(): Response;
  };
}

const NOT_MEMBER = { ok: false, code: CloseCode.NotAllowed, reason: "not a member of this channel" } as const;

/**
 * The room's side of its fan-out shards that is not the stream (docs/architecture.md "Fan-out
 * shards"): where an upgrade goes, admitting and counting shard sockets, and calls to the shards
 * that hold a user's sockets. The stream itself is `ShardFanout`'s.
 */
export class ShardHost {
  constructor(private readonly d: ShardHostDeps) {}

  /** A socket upgrade the room passes to the shard with room for it; null: the room holds it itself. */
  async upgrade(request: Request): Promise<Response | null> {
    const channel = this.d.vacated() ? null : this.d.store.channel();
    if (!channel || channel.removed || request.headers.get("upgrade")?.toLowerCase() !== "websocket") return null;
    const { room } = this.d;
    // The channel's cap on unauthenticated sockets counts those waiting on its shards too.
    if (room.openSockets() >= this.d.cap && room.tooManyPending()) return room.refusePending();
    const k = this.d.fanout.place(room.openSockets());
    return k === null ? null : this.d.fanout.stub(k).fetch(request);
  }

  /** Upgrades placed on shards that have not authenticated yet. */
  pending(): number {
    return this.d.fanout.placedCount();
  }

  /** The user's sockets on the channel's shards. */
  socketsOf(userId: number): number {
    return this.d.vacated() ? 0 : this.d.shards.ofUser(userId);
  }

  admit(k: number, userId: number): ShardAdmission {
    this.d.fanout.admitted(k); // the socket's place is decided, whatever the answer
    const channel = this.d.vacated() ? null : this.d.store.channel();
    if (!channel || channel.removed) {
      return this.d.vacated() || channel?.removed ? { ok: false, code: CloseCode.ChannelRemoved, reason: "channel removed" } : NOT_MEMBER;
    }
    if (!this.d.store.member(userId)) return NOT_MEMBER;
    // The same count as a socket here: the user's sockets on every object of the channel.
    if (this.d.room.socketsOf(userId) + this.d.shards.ofUser(userId) >= this.d.maxSocketsPerUser) {
      return { ok: false, code: CloseCode.RateLimited, reason: "too many sockets" };
    }
    this.d.shards.admitted(k, userId);
    return { ok: true, channel_id: channel.id, epoch: this.d.store.epoch(), seq: this.d.watermark() };
  }

  left(k: number, userId: number): void {
    if (!this.d.vacated()) this.d.shards.left(k, userId);
  }

  /** Calls every shard holding a socket of the user (session ends, disconnects); the sum of their answers. */
  async onShardsOf(userId: number, call: (stub: DurableObjectStub<ChannelShardRpc>) => Promise<number>): Promise<number> {
    if (this.d.vacated() || !this.d.store.channel()) return 0;
    const ks = this.d.shards.active().filter((k) => this.d.shards.holds(k, userId));
    const settled = await settleAll("shard call failed", ks.map((k) => call(this.d.fanout.stub(k))));
    return settled.reduce((sum, r) => sum + (r.status === "fulfilled" ? r.value : 0), 0);
  }
}
