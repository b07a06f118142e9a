import type { Config } from "../config";
import { leaseTiming } from "../contracts/presence";
import type { Env } from "../env";
import type { CloseDecision } from "../protocol/closeCodes";
import type { OutFrame } from "../protocol/envelope";
import type { Clock } from "../rooms/clock";
import type { Conn } from "../rooms/SocketRoom";
import { ActionStore } from "../storage/actionStore";
import { ChannelStore } from "../storage/channelStore";
import { LockStore } from "../storage/lockStore";
import { MessageStore } from "../storage/messageStore";
import { OutboxStore } from "../storage/outboxStore";
import { PendingStore } from "../storage/pendingStore";
import { RoomLeases } from "../storage/roomLeases";
import { ShardStore } from "../storage/shardStore";
import type { Meta } from "../storage/sqlite";
import { WebhookOutbox } from "../webhooks/outbox";
import { ChannelAccess } from "./access";
import { Capabilities } from "./capability";
import { DirectorySync } from "./directorySync";
import { EventLog, type EventLogDeps } from "./eventLog";
import { locksCapability } from "./locks";
import { MembershipFlows } from "./membershipFlows";
import type { ChannelPort } from "./port";
import type { PostDeps } from "./posts";
import { ChannelPresence } from "./presence";
import { PresenceLeases } from "./presenceLeases";
import { reactionsCapability } from "./reactions";
import { UnreadPusher, receiptsCapability } from "./receipts";
import { ShardFanout } from "./shardFanout";
import { ShardHost, type ShardHostDeps } from "./shardHost";
import { Typing } from "./typing";

type Target = { only?: number; except?: number };

/** What a channel's parts use of the socket room they run in: its state and its protected socket layer. */
export interface RoomHost {
  ctx: DurableObjectState;
  env: Env;
  /** read at each call: a test swaps the room's `env` for a failing D1 */
  db(): D1Database;
  config: Config;
  meta: Meta;
  clock: Clock;
  counted: { in: number };
  /** the room's broadcast (through the event log) */
  broadcast(frame: OutFrame, target?: Target): number;
  live(fresh?: boolean): Iterable<[WebSocket, Conn]>;
  closeConn(ws: WebSocket, conn: Conn, code: number, reason: string): Promise<void>;
  armAt(at: number): Promise<void>;
  disarmIfIdle(): Promise<void>;
  vacate(close: CloseDecision): Promise<void>;
  vacated(): boolean;
  /** the socket layer's own broadcast and one-socket sends */
  send: EventLogDeps["send"];
  socket: EventLogDeps["socket"];
  sockets: ShardHostDeps["room"];
}

/**
 * A channel room's domain, built once from its host: the stores, the domain objects every RPC
 * delegates to, and the capabilities (timers, socket hooks, commands) in the order the alarm
 * runs their timers.
 */
export function channelParts(h: RoomHost) {
  const { ctx, env, config } = h;
  const sql = ctx.storage.sql;
  const now = () => h.clock.now();
  const armAt = (at: number) => h.armAt(at);
  const store = new ChannelStore(ctx.storage);
  const access = new ChannelAccess(store, h.vacated);
  const presence = new ChannelPresence({ store, env, clock: h.clock, broadcast: (frame) => h.broadcast(frame) });
  const leases = new PresenceLeases({
    leases: new RoomLeases(sql, h.meta),
    env,
    clock: h.clock,
    renewEveryMs: leaseTiming(config.pingIntervalMs).renewEveryMs,
    roomKey: () => {
      const channel = store.channel();
      return channel ? `channel:${channel.id}` : null;
    },
    live: (fresh) => h.live(fresh),
    armAt,
    apply: (uid, state) => presence.apply(uid, state),
  });
  const shards = new ShardStore(sql);
  const fanout = new ShardFanout(
    { env, shards, cap: config.shardSocketCap, authDeadlineMs: config.authDeadlineMs, now },
    () => store.channel()?.id ?? null,
  );
  const port: ChannelPort = {
    store,
    msgs: new MessageStore(sql),
    pending: new PendingStore(sql),
    locks: new LockStore(sql),
    actions: new ActionStore(sql),
    config,
    env,
    now,
    broadcast: (frame, target) => h.broadcast(frame, target),
    armAt,
  };
  const unread = new UnreadPusher(() => port);
  const directory = new DirectorySync({
    outbox: new OutboxStore(sql),
    pending: new PendingStore(sql),
    meta: h.meta,
    db: h.db,
    now,
    armAt,
    disarmIfIdle: () => h.disarmIfIdle(),
    retryBaseMs: config.directoryRetryBaseMs,
    retryMaxMs: config.directoryRetryMaxMs,
  });
  const log = new EventLog({ store, config, now, fanout, webhooks: new WebhookOutbox(env), send: h.send, socket: h.socket, vacated: h.vacated });
  const shardHost = new ShardHost({
    store,
    shards,
    fanout,
    cap: config.shardSocketCap,
    maxSocketsPerUser: config.maxSocketsPerUser,
    watermark: () => log.events.watermark(),
    vacated: h.vacated,
    room: h.sockets,
  });
  const membership = new MembershipFlows({ port, unread, access, directory, presence, fanout, meta: h.meta, sockets: h });
  const posts: PostDeps = { port, unread, counted: h.counted };
  const capabilities = new Capabilities([
    leases,
    locksCapability(port),
    receiptsCapability(port, unread),
    directory,
    new Typing({ meta: h.meta, now, intervalMs: config.typingIntervalMs, broadcast: (frame, target) => h.broadcast(frame, target) }),
    reactionsCapability(port),
  ]);
  return { store, access, presence, fanout, port, unread, directory, log, shardHost, membership, posts, capabilities };
}

export type ChannelParts = ReturnType<typeof channelParts>;
