import type { RtmClaims } from "../auth/tokens";
import type { ShardAdmission, ShardItem } from "../contracts/channelShard";
import { leaseTiming } from "../contracts/presence";
import { parseShardName } from "../contracts/rooms";
import type { Env } from "../env";
import { log } from "../ops/log";
import { CloseCode } from "../protocol/closeCodes";
import type { Command } from "../protocol/commands";
import { type OutFrame, type ServerEvent, buildEvent, frameFromText } from "../protocol/envelope";
import { CommandError } from "../rooms/errors";
import type { Session } from "../rooms/session";
import { type Admission, type Conn, SocketRoom } from "../rooms/SocketRoom";
import { channelRoom } from "../rooms/stubs";
import { RoomLeases } from "../storage/roomLeases";
import type { ResumeSession } from "./eventStream";
import { PresenceLeases } from "./presenceLeases";

/** `_meta`: highest seq sent to this shard's sockets (every durable event up to it reached them). */
const SENT = "sent";
/** `_meta`: the channel's epoch, as its room last answered an admission. */
const EPOCH = "epoch";
/** Frames read from the room's log per call while filling a gap. */
const FILL_PAGE = 500;
/**
 * docs/protocol.md#close-codes: a shard that cannot catch up from the log, or reach its room to
 * admit a socket, sends its sockets elsewhere.
 */
const CATCH_UP_FAILED = { code: CloseCode.Reconnect, reason: "reconnect" } as const;

/**
 * A frame as the room serialized it; parsed only if a socket's filters need to look at it, so a
 * shard of unfiltered sockets sends the room's bytes without reading them.
 */
function lazyFrame(text: string): OutFrame {
  let event: ServerEvent | undefined;
  return {
    text,
    get event() {
      event ??= frameFromText(text).event;
      return event;
    },
  };
}

/**
 * One fan-out shard of a hot channel (docs/architecture.md "Fan-out shards"): holds channel sockets
 * beyond what the channel's room holds itself, with the same websocket layer (auth, filters,
 * deadlines, pings, rate limit, auto-response ping). The room stays the channel's one writer:
 * a shard asks it to admit each socket, forwards every command to it, and sends its sockets the
 * room's ordered stream (src/channel/shardFanout.ts) exactly once and in seq order, filling any
 * gap from the room's log first, so an eviction or a lost delivery costs a read, never an event.
 */
export class ChannelShard extends SocketRoom {
  private readonly channelId: number;
  private readonly k: number;
  private readonly leases: PresenceLeases;
  /** deliveries run one after another (a gap fill awaits the room) */
  private stream: Promise<void> = Promise.resolve();
  private sentSeq: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const name = parseShardName(ctx.id.name);
    if (!name) throw new Error(`not a shard name: ${ctx.id.name}`);
    this.channelId = name.channelId;
    this.k = name.k;
    this.leases = new PresenceLeases({
      leases: new RoomLeases(ctx.storage.sql, this.meta),
      env,
      clock: this.clock,
      renewEveryMs: leaseTiming(this.config.pingIntervalMs).renewEveryMs,
      roomKey: () => ctx.id.name!,
      live: (fresh) => this.live(fresh),
      armAt: (at) => this.armAt(at),
      // The room hears the user's transitions from the UserRoom like any other channel room.
      apply: () => {},
    });
    this.timers.push(this.leases.timer());
  }

  private room() {
    return channelRoom(this.env, this.channelId);
  }

  protected roomLabel(): string {
    return this.ctx.id.name!;
  }

  protected schema(): readonly string[] {
    return [];
  }


  private get sent(): number {
    this.sentSeq ??= this.meta.get<number>(SENT) ?? 0;
    return this.sentSeq;
  }

  private markSent(seq: number): void {
    this.sentSeq = seq;
    this.meta.set(SENT, seq);
  }

  protected async admit(claims: RtmClaims): Promise<Admission> {
    let a: ShardAdmission;
    try {
      a = await this.room().shardAdmit(this.k, claims.user_id);
    } catch (err) {
      // The room is unreachable for now: the client reconnects (and lands wherever there is room).
      log("warn", "shard admission failed", { room: this.roomLabel(), user_id: claims.user_id, err: String(err) });
      return { ok: false, close: CATCH_UP_FAILED };
    }
    if (!a.ok) return { ok: false, close: { code: a.code as CloseCode, reason: a.reason } };
    // With no socket here the stream may have stopped coming (the room only feeds shards with
    // sockets): the newcomer starts at the room's watermark. Otherwise the stream already here is
    // theirs too, and anything in flight arrives in order.
    if (this.live().next().done && a.seq > this.sent) this.markSent(a.seq);
    if (this.meta.get<string>(EPOCH) !== a.epoch) this.meta.set(EPOCH, a.epoch);
    return { ok: true };
  }

  protected override admissionUnused(userId: number): Promise<void> {
    return this.room().shardLeft(this.k, userId);
  }

  protected readyPayload(session: Session): Record<string, unknown> {
    const seq = this.sent;
    (session as ResumeSession).ls ??= seq;
    return { channel_id: this.channelId, epoch: this.meta.get<string>(EPOCH), seq };
  }

  protected override async onAuthenticated(session: Session): Promise<void> {
    await this.leases.connected(session);
  }

  protected override async onDisconnected(session: Session): Promise<void> {
    await this.leases.disconnected(session);
    try {
      await this.room().shardLeft(this.k, session.uid!);
    } catch (err) {
      log("error", "shard leave report failed", { room: this.roomLabel(), user_id: session.uid, err: String(err) });
    }
  }

  protected async onCommand(ws: WebSocket, conn: Conn, command: Command): Promise<void> {
    if (command.command === "ws_resume") return this.resume(ws, conn, command.epoch, command.since_seq);
    if ("channel_id" in command && command.channel_id !== undefined && command.channel_id !== this.channelId) {
      throw new CommandError("channel_id is not this socket's channel");
    }
    const result = await this.room().userCommand(conn.s.uid!, command);
    if (!result.ok) throw new CommandError(result.error);
  }

  /**
   * docs/protocol.md#resume, planned by the room from its log. The replay ends where this socket's
   * live stream began, so frames that arrive meanwhile are not sent twice; `rtm.resumed` then
   * announces what this shard has sent.
   */
  private async resume(ws: WebSocket, conn: Conn, epoch: string, since: number): Promise<void> {
    const s = conn.s as ResumeSession;
    if (s.resumed) throw new CommandError("ws_resume is allowed once per connection");
    s.resumed = true;
    this.persist(ws, conn);
    const plan = await this.room().shardResume(s.uid!, epoch, since, s.ls ?? this.sent);
    for (const text of plan.frames) this.sendFiltered(ws, conn, lazyFrame(text));
    this.safeSend(ws, buildEvent("rtm.resumed", { recovered: plan.recovered, seq: this.sent }, this.clock.now()).text);
  }

  // --- the room's stream --------------------------------------------------------------------------

  async deliver(items: ShardItem[]): Promise<void> {
    const run = this.stream.then(() => this.apply(items));
    this.stream = run.catch(() => undefined);
    return run;
  }

  private async apply(items: ShardItem[]): Promise<void> {
    if (this.vacated) return;
    const before = this.sent;
    for (const item of items) {
      if ("close" in item) {
        await this.closeFromRoom(item.close);
        if (this.vacated) return;
        continue;
      }
      const target = { only: item.only, except: item.except };
      if (item.seq === undefined) {
        this.broadcast(lazyFrame(item.frame), target);
        continue;
      }
      if (item.seq <= this.sent) continue; // already sent (a retry, or filled from the log)
      if (item.seq > this.sent + 1 && !(await this.fill(item.seq - 1))) return;
      this.broadcast(lazyFrame(item.frame), target);
      this.sentSeq = item.seq;
    }
    // Written after the sends: a frame sent after a write waits for its commit.
    if (this.sent !== before) this.markSent(this.sent);
  }

  /** Sends the room's logged frames up to `upTo`; false when the log no longer has them all. */
  private async fill(upTo: number): Promise<boolean> {
    while (this.sent < upTo) {
      const to = Math.min(upTo, this.sent + FILL_PAGE);
      const texts = await this.room().shardLog(this.sent, to);
      if (texts === null) {
        log("warn", "shard could not catch up from the log", { room: this.roomLabel(), sent: this.sent, up_to: upTo });
        await this.closeFromRoom(CATCH_UP_FAILED);
        this.markSent(upTo);
        return false;
      }
      for (const text of texts) this.broadcast(lazyFrame(text));
      this.sentSeq = to;
    }
    return true;
  }

  /** A close at this point of the room's stream; a removed channel's shard then deletes its storage. */
  private async closeFromRoom(close: { code: number; reason: string; uid?: number }): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.live(true)) {
      if (close.uid === undefined || conn.s.uid === close.uid) closing.push(this.closeConn(ws, conn, close.code, close.reason));
    }
    await Promise.all(closing);
    if (close.code === CloseCode.ChannelRemoved && close.uid === undefined) {
      await this.vacate({ code: CloseCode.ChannelRemoved, reason: close.reason });
    }
  }
}
