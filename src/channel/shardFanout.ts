import type { ChannelShardRpc, ShardItem } from "../contracts/channelShard";
import type { Env } from "../env";
import { log } from "../ops/log";
import type { OutFrame } from "../protocol/envelope";
import { channelShard } from "../rooms/stubs";
import type { ShardStore } from "../storage/shardStore";

export interface ShardFanoutHost {
  env: Env;
  shards: ShardStore;
  /** sockets one object holds before the next one goes to a shard (SHARD_SOCKET_CAP) */
  cap: number;
  /** how long a socket forwarded to a shard may take to authenticate (it holds a place meanwhile) */
  authDeadlineMs: number;
  now(): number;
}

/** Retries of a delivery a shard did not take (ms after the failure): durable frames and closes only. */
const RETRY_AFTER_MS = [250, 2_000, 10_000];

/**
 * The channel room's side of its fan-out shards (docs/architecture.md "Fan-out shards"): where the
 * next socket goes, and the one ordered stream of frames and closes each active shard receives.
 * Everything one turn of the room produces goes to each shard in one call, never one call per
 * socket; each frame is the text the room serialized once.
 */
export class ShardFanout {
  private pending: ShardItem[] = [];
  private scheduled = false;
  /** upgrades forwarded to a shard and not yet admitted there: they hold a place until their auth deadline */
  private placed: { k: number; at: number }[] = [];
  private readonly stubs = new Map<number, DurableObjectStub<ChannelShardRpc>>();

  constructor(
    private readonly h: ShardFanoutHost,
    private readonly channelId: () => number | null,
  ) {}

  /**
   * Where a new socket goes: null for the room itself while it holds fewer than the cap (a small
   * channel never meets a shard), else the lowest shard with room, a new one when all are full.
   */
  place(roomSockets: number): number | null {
    if (roomSockets < this.h.cap) return null;
    const now = this.h.now();
    this.expirePlaced(now);
    for (let k = 1; ; k++) {
      let load = this.h.shards.sockets(k);
      for (const p of this.placed) if (p.k === k) load++;
      if (load < this.h.cap) {
        this.placed.push({ k, at: now });
        return k;
      }
    }
  }

  /** Sockets placed on shards that have not authenticated yet (and may still). */
  placedCount(): number {
    this.expirePlaced(this.h.now());
    return this.placed.length;
  }

  private expirePlaced(now: number): void {
    if (this.placed.length && now - this.placed[0]!.at >= this.h.authDeadlineMs) {
      this.placed = this.placed.filter((p) => now - p.at < this.h.authDeadlineMs);
    }
  }

  /** A socket placed on shard `k` authenticated there: it now counts in the store instead. */
  admitted(k: number): void {
    const i = this.placed.findIndex((p) => p.k === k);
    if (i >= 0) this.placed.splice(i, 1);
  }

  stub(k: number): DurableObjectStub<ChannelShardRpc> {
    let stub = this.stubs.get(k);
    if (!stub) {
      const channelId = this.channelId();
      if (channelId === null) throw new Error("a shard of a channel with no id");
      stub = channelShard(this.h.env, channelId, k);
      this.stubs.set(k, stub);
    }
    return stub;
  }

  /** A frame the room broadcast, for every active shard (no work at all while there is none). */
  frame(frame: OutFrame, target: { only?: number; except?: number }): void {
    if (!this.h.shards.any()) return;
    const item: ShardItem = { frame: frame.text };
    const seq = frame.event.meta.seq;
    if (seq !== undefined) item.seq = seq;
    if (target.only !== undefined) item.only = target.only;
    if (target.except !== undefined) item.except = target.except;
    this.push(item);
  }

  /** Closes the shards' sockets (of one user, or all) at this point of the stream. */
  close(code: number, reason: string, uid?: number): void {
    this.push({ close: uid === undefined ? { code, reason } : { code, reason, uid } });
  }

  private push(item: ShardItem): void {
    if (!this.h.shards.any()) return;
    this.pending.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    // One call per shard for everything this turn produced (an addUser's three events, ...).
    queueMicrotask(() => this.flush());
  }

  /** Sends what is pending now (also called before anything that must follow it, e.g. vacating). */
  flush(): Promise<void> {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    if (items.length === 0) return Promise.resolve();
    return Promise.all(this.h.shards.active().map((k) => this.send(k, items, 0))).then(() => undefined);
  }

  private async send(k: number, items: ShardItem[], attempt: number): Promise<void> {
    try {
      await this.stub(k).deliver(items);
    } catch (err) {
      // A shard that missed frames fills the gap from the log on its next delivery; a retry makes
      // sure the last frames and any close still arrive when no next delivery comes.
      const kept = items.filter((i) => "close" in i || i.seq !== undefined);
      const delay = RETRY_AFTER_MS[attempt];
      log("warn", "shard delivery failed", { channel_id: this.channelId(), shard: k, attempt, err: String(err) });
      if (kept.length === 0 || delay === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      await this.send(k, kept, attempt + 1);
    }
  }
}
