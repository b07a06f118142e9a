import type { Config } from "../config";
import type { ShardResume } from "../contracts/channelShard";
import { type OutFrame, buildEvent } from "../protocol/envelope";
import { CommandError, type Result, fail, ok } from "../rooms/errors";
import type { Session } from "../rooms/session";
import type { Conn } from "../rooms/SocketRoom";
import type { ChannelStore } from "../storage/channelStore";
import type { WebhookOutbox } from "../webhooks/outbox";
import { EventStream, type ResumeSession } from "./eventStream";
import type { Access } from "./port";
import type { ServerLogPage } from "./server";
import type { ShardFanout } from "./shardFanout";

type Target = { only?: number; except?: number };

export interface EventLogDeps {
  store: ChannelStore;
  config: Config;
  now(): number;
  fanout: ShardFanout;
  /** channel-wide events also go to the webhook queue (only those endpoints subscribe to) */
  webhooks: WebhookOutbox;
  /** the socket layer's broadcast to this room's own sockets */
  send(frame: OutFrame, target: Target): number;
  /** the socket layer's one-socket sends, for a replay */
  socket: {
    persist(ws: WebSocket, conn: Conn): void;
    sendFiltered(ws: WebSocket, conn: Conn, frame: OutFrame): void;
    safeSend(ws: WebSocket, text: string): void;
  };
  /** the room deleted its storage */
  vacated(): boolean;
}

/**
 * The channel's durable event log on the way out: every frame the room broadcasts reaches its
 * sockets, its fan-out shards and the webhook queue, durable frames strictly in seq order and
 * once each; and what reads the log back: `rtm.ready`'s seq, `ws_resume` (docs/protocol.md#resume)
 * here and on shards, the shards' gap fills and the server API's replay.
 */
export class EventLog {
  readonly events: EventStream;

  constructor(private readonly d: EventLogDeps) {
    this.events = new EventStream(d.store, {
      minEvents: d.config.eventLogMinEvents,
      minAgeMs: d.config.eventLogMinAgeMs,
      maxReplay: d.config.resumeMaxEvents,
    });
  }

  /** Durable frames (those with a seq) go out in seq order and once each, and trim the log; others pass straight through. */
  broadcast(frame: OutFrame, target: Target): number {
    // The sockets first; the shards' stream and the webhook queue leave after this turn anyway.
    if (frame.event.meta.seq === undefined) {
      const sent = this.d.send(frame, target);
      this.d.fanout.frame(frame, target);
      if (target.only === undefined) this.toWebhooks(frame);
      return sent;
    }
    let sent = 0;
    for (const f of this.events.publish(frame, this.d.now())) {
      const t = f === frame ? target : {};
      sent = this.d.send(f, t);
      this.d.fanout.frame(f, t);
      this.toWebhooks(f);
    }
    return sent;
  }

  private toWebhooks(frame: OutFrame): void {
    const { event, meta, payload } = frame.event;
    this.d.webhooks.emit({ event, channel_id: this.d.store.channel()?.id ?? null, seq: meta.seq, time: meta.time, payload });
  }

  /** `rtm.ready` beyond the connection: the channel, its epoch and the seq the socket's live stream starts after. */
  ready(session: Session): Record<string, unknown> {
    const seq = this.events.startLive(session as ResumeSession);
    return { channel_id: this.d.store.channel()?.id, epoch: this.d.store.epoch(), seq };
  }

  /** `ws_resume`: the replay and the closing `rtm.resumed` go out in one synchronous run. */
  resume(ws: WebSocket, conn: Conn, epoch: string, since: number): void {
    if (conn.s.resumed) throw new CommandError("ws_resume is allowed once per connection");
    conn.s.resumed = true;
    this.d.socket.persist(ws, conn);
    const member = this.d.store.member(conn.s.uid!);
    const plan = this.events.resume(conn.s as ResumeSession, epoch, since, member?.joined_seq ?? null);
    // No live event can slip in between: live events produced meanwhile are sent after it, in order.
    for (const frame of plan.frames) this.d.socket.sendFiltered(ws, conn, frame);
    this.d.socket.safeSend(ws, buildEvent("rtm.resumed", { recovered: plan.recovered, seq: plan.seq }, this.d.now()).text);
  }

  shardLog(after: number, upTo: number): string[] | null {
    return this.d.vacated() ? null : this.d.store.eventsBetween(after, Math.min(upTo, this.events.watermark()));
  }

  shardResume(userId: number, epoch: string, since: number, liveFrom: number): ShardResume {
    if (this.d.vacated()) return { recovered: false, frames: [] };
    const member = this.d.store.member(userId);
    const plan = this.events.resume({ ls: liveFrom } as ResumeSession, epoch, since, member?.joined_seq ?? null);
    return plan.recovered ? { recovered: true, frames: plan.frames.map((f) => f.text) } : { recovered: false, frames: [] };
  }

  /**
   * A page of the log after `after` (webhook replay), oldest first. Never partial: when the log no
   * longer holds `after + 1`, a failure says where it starts.
   */
  serverLog(a: Access, after: number, limit: number): Result<ServerLogPage> {
    const seq = this.events.watermark();
    if (after > seq) return fail(422, "unknown_seq", `since_seq: the channel is at seq ${seq}`, { since_seq: `the channel is at seq ${seq}` });
    const upTo = Math.min(seq, after + limit);
    const texts = this.d.store.eventsBetween(after, upTo);
    if (texts === null) {
      return fail(409, "log_truncated", `the channel's log now starts at seq ${this.d.store.firstLoggedSeq()}; reload with server.channel.history`);
    }
    return ok({ channel_id: a.channel.id, frames: texts, last_seq: upTo, has_more: upTo < seq });
  }
}
