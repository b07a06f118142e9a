import { DurableObject } from "cloudflare:workers";
import { markSessionsEnded } from "../auth/sessionGate";
import type { RtmClaims } from "../auth/tokens";
import { type Config, loadConfig } from "../config";
import type { Env } from "../env";
import { CloseCode, type CloseDecision } from "../protocol/closeCodes";
import type { Command } from "../protocol/commands";
import { AUTO_PING, type OutFrame, PONG } from "../protocol/envelope";
import { matches } from "../protocol/filters";
import { log, setLogLevel } from "../ops/log";
import { Meta, migrate } from "../storage/sqlite";
import { answerAbsentRoom } from "./absentRoom";
import { broadcastTo } from "./broadcast";
import { Clock } from "./clock";
import { type Admission, type Conn, ConnTable } from "./conn";
import { Lifecycle } from "./lifecycle";
import { RoomStats } from "./roomStats";
import { type Session, newSession } from "./session";
import { type AuthHost, SESSION_REVOKED, authenticate } from "./socketAuth";
import { SocketAlarm } from "./socketAlarm";
import { type FrameHost, decodeLimits, handleFrame } from "./socketFrames";
import { SocketIndex } from "./socketIndex";
import type { DomainTimer } from "./timers";
import { PendingAuth, refusePending } from "./upgrade";
import { parseRoomName } from "../contracts/rooms";

export type { Admission, Conn } from "./conn";
export { SESSION_REVOKED } from "./socketAuth";

/**
 * The websocket layer both rooms share: accept (hibernatable), auth, ping/liveness, filters,
 * rate limit, close codes, replies and broadcast. Subclasses say who may connect and what the
 * commands do; every timer runs off the one alarm this class keeps. The jobs live in modules of
 * their own (frames: socketFrames.ts, ws_auth: socketAuth.ts, the alarm: socketAlarm.ts, stats:
 * roomStats.ts, broadcast: broadcast.ts, upgrades: upgrade.ts); this class wires them to the
 * runtime's socket events and to the hooks below.
 */
export abstract class SocketRoom extends DurableObject<Env> {
  protected readonly config: Config;
  /** The channel or user id of this room (a shard: its channel's), read once from `ctx.id.name`. */
  protected readonly ownId: number | null;
  protected readonly meta: Meta;
  /** The storage had no schema when this instance started (see `absentId`). */
  protected readonly fresh: boolean;
  readonly clock = new Clock();
  private readonly conns: ConnTable;
  /** the open ones, all and by user, for broadcasts */
  private readonly index = new SocketIndex<Conn>(
    () => this.ctx.getWebSockets(),
    (ws) => this.conn(ws),
  );
  private readonly pending = new PendingAuth(() => this.index.open().values());
  private readonly lifecycle = new Lifecycle(() => this.roomLabel());
  private readonly stats: RoomStats;
  /** frames received and sent since the last stats report (operator counters for system.info) */
  protected readonly counted: RoomStats["counted"];
  private readonly alarms: SocketAlarm;
  private readonly host: FrameHost & AuthHost;
  private readonly send = (ws: WebSocket, text: string): void => this.safeSend(ws, text);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env as unknown as Record<string, unknown>);
    setLogLevel(this.config.logLevel);
    // The runtime answers the exact ping frame itself, without waking a hibernating room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(AUTO_PING, PONG));
    this.ownId = parseRoomName(ctx.id.name)?.id ?? null;
    this.fresh = migrate(ctx.storage, this.schema());
    this.meta = Meta.of(ctx.storage.sql);
    this.conns = new ConnTable(this.config.commandBurst);
    const { config, meta, clock } = this;
    this.stats = new RoomStats({ env, config, meta, clock, label: () => this.roomLabel() });
    this.counted = this.stats.counted;
    const close = (ws: WebSocket, conn: Conn, code: number, reason: string) => this.closeConn(ws, conn, code, reason);
    this.alarms = new SocketAlarm({
      ctx, config, meta, clock, timers: this.timers, index: this.index, close, send: this.send,
      report: (connections, alarmAt) => this.stats.report(connections, alarmAt),
    });
    this.host = {
      env, config, clock, limits: decodeLimits(config), counted: this.counted, close, send: this.send,
      label: () => this.roomLabel(),
      persist: (ws, conn) => this.persist(ws, conn),
      authenticate: (ws, conn, token) => authenticate(this.host, ws, conn, token),
      command: (ws, conn, command) => this.onCommand(ws, conn, command),
      admit: (claims) => this.admit(claims),
      admissionUnused: (userId) => this.admissionUnused(userId),
      socketsOf: (userId) => this.socketsOf(userId) + this.socketsElsewhere(userId),
      readyPayload: (session) => this.readyPayload(session),
      authenticated: (ws, conn) => {
        this.pending.settled();
        this.index.authenticated(ws, conn);
      },
      socketDueBy: (at) => this.alarms.socketDueBy(at),
      pingCheckDue: (now) => this.alarms.pingCheckDue(now),
      armAt: (at) => this.armAt(at),
      firstAuth: (session) => void this.lifecycle.then(() => this.onAuthenticated(session)),
    };
  }

  // --- what a subclass provides ---------------------------------------------------------------

  /** "channel:<id>" / "user:<id>", for logs and operator stats. */
  protected abstract roomLabel(): string;
  /** SQLite migrations of the room, in order (the base adds `_meta`). */
  protected abstract schema(): readonly string[];
  /**
   * Called on an upgrade to a `fresh` room: the close for an id that does not exist (the room then
   * deletes the schema it just wrote and answers like an absent room), or null. The worker checks
   * ids before forwarding; this catches what reaches a room anyway (a channel removed moments ago).
   */
  protected absentId(_roomId: number): Promise<CloseDecision | null> { return Promise.resolve(null); }
  /** May this user hold a socket here? (A fan-out shard asks its channel's room.) */
  protected abstract admit(claims: RtmClaims): Admission | Promise<Admission>;
  /** An admission granted by `admit` went unused: the socket closed while it was being decided. */
  protected admissionUnused(_userId: number): Promise<void> | void {}
  /** The user's authenticated sockets held for this room by other objects (a channel's shards). */
  protected socketsElsewhere(_userId: number): number { return 0; }
  /** Payload of `rtm.ready` beyond connection_id and user_id (may record state in the session; it is persisted). */
  protected abstract readyPayload(session: Session): Record<string, unknown>;
  /** A decoded, authenticated command other than auth, ping and filter. Throw CommandError to reply an error. */
  protected abstract onCommand(ws: WebSocket, conn: Conn, command: Command): Promise<void> | void;
  /** First successful ws_auth of a connection. */
  protected onAuthenticated(_session: Session): Promise<void> | void {}
  /** An authenticated connection is gone (closed by either side, or pruned). */
  protected onDisconnected(_session: Session): Promise<void> | void {}
  /** Domain timers served by the same alarm (register in the subclass constructor). */
  protected readonly timers: DomainTimer[] = [];
  /** Runs after each alarm's timers and re-arming (a room that waited to vacate does it here). */
  protected async afterAlarm(): Promise<void> {}
  /** Unauthenticated sockets this room placed on other objects (a channel's shards). */
  protected pendingElsewhere(): number { return 0; }

  // --- accepting sockets ----------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a websocket upgrade", { status: 426 });
    }
    if (this.fresh && !this.vacated && this.ownId !== null) {
      const absent = await this.absentId(this.ownId);
      if (absent) await this.vacate(absent);
    }
    if (this.vacated) return answerAbsentRoom(this.env, this.config, this.vacated);
    if (this.tooManyPending()) return this.refusePending();

    const { 0: client, 1: server } = new WebSocketPair();
    const now = this.clock.now();
    const session = newSession(now, this.config.authDeadlineMs);
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(session);
    const conn = this.conns.add(server, session, now);
    this.index.opened(server, conn);
    this.pending.opened();
    this.alarms.socketDueBy(session.ad);
    await this.armAt(session.ad);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sockets that have not authenticated yet, here and placed elsewhere, at the room's cap. */
  protected tooManyPending(): boolean {
    return this.pending.count() + this.pendingElsewhere() >= this.config.maxUnauthenticatedPerRoom;
  }

  protected refusePending(): Response {
    return refusePending(this.config.authDeadlineMs);
  }

  protected conn(ws: WebSocket): Conn | null {
    return this.conns.get(ws, () => this.clock.now());
  }

  protected persist(ws: WebSocket, conn: Conn): void {
    ws.serializeAttachment(conn.s);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = this.conn(ws);
    if (!conn) {
      ws.close(CloseCode.PolicyViolation, "unknown connection");
      return;
    }
    const run = conn.queue.then(() => handleFrame(this.host, ws, conn, message));
    conn.queue = run.catch(() => undefined);
    return run.catch((err) => {
      log("error", "frame handler failed", { room: this.roomLabel(), cid: conn.s.cid, user_id: conn.s.uid, err: String(err) });
    });
  }

  /** Resolves once every lifecycle step queued so far has run (tests, and the alarm's bookkeeping). */
  protected settled(): Promise<void> {
    return this.lifecycle.settled();
  }

  /**
   * Set once the room's storage is deleted (`vacate`): this instance answers sockets like an absent
   * room, with this close after ws_auth, and touches storage no more.
   */
  protected vacated: CloseDecision | null = null;

  /**
   * Deletes everything the room stores, its alarm included, once the lifecycle work queued so far
   * (presence, stats) has run. Call after closing every socket.
   */
  protected async vacate(close: CloseDecision): Promise<void> {
    await this.settled();
    this.vacated = close;
    await this.alarms.set(null);
    await this.ctx.storage.deleteAll();
    this.meta.forget();
  }

  // --- closing --------------------------------------------------------------------------------

  /**
   * These sessions of the user have ended (logout, revocation, password change, account deletion):
   * refuse them in this isolate from now on and close their sockets here 4001 "session revoked".
   * Answers how many sockets were closed.
   */
  async sessionsEnded(userId: number, sids: number[]): Promise<number> {
    markSessionsEnded(userId, sids);
    const ended = new Set(sids);
    return this.closeWhere((s) => s.uid === userId && ended.has(s.sid), CloseCode.AuthFailed, SESSION_REVOKED);
  }

  /** Closes every socket of `userId` in this room (the server API's disconnect); how many were open. */
  disconnectUser(userId: number, code: number, reason: string): Promise<number> {
    return this.closeWhere((s) => s.uid === userId, code, reason);
  }

  private async closeWhere(pick: (s: Session) => boolean, code: number, reason: string): Promise<number> {
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.live(true)) if (pick(conn.s)) closing.push(this.closeConn(ws, conn, code, reason));
    await Promise.all(closing);
    return closing.length;
  }

  protected async closeConn(ws: WebSocket, conn: Conn, code: number, reason: string): Promise<void> {
    if (conn.closed) return;
    this.markClosed(ws, conn);
    try {
      ws.close(code, reason);
    } catch {
      // already closing on the client's side; nothing to tell it
    }
    await this.afterClose(conn);
  }

  private markClosed(ws: WebSocket, conn: Conn): void {
    conn.closed = true;
    this.index.closed(ws, conn);
  }

  /** Presence bookkeeping, and no alarm left behind once the last socket is gone. */
  private afterClose(conn: Conn): Promise<void> {
    if (conn.s.uid === null) this.pending.settled();
    return this.lifecycle.then(() => this.closed(conn));
  }

  private async closed(conn: Conn): Promise<void> {
    if (conn.s.uid !== null) await this.onDisconnected(conn.s);
    if (this.index.open().size > 0) return;
    await this.alarms.lastSocketClosed();
    await this.stats.report(0, null);
  }

  override async webSocketClose(ws: WebSocket, code: number, _reason: string, _wasClean: boolean): Promise<void> {
    const conn = this.conn(ws);
    if (!conn || conn.closed) return;
    this.markClosed(ws, conn);
    try {
      // 1005/1006/1015 are reserved: they must never be sent in a close frame.
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, "closed");
    } catch {
      // the runtime may already have completed the close handshake
    }
    await this.afterClose(conn);
  }

  override async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    const conn = this.conn(ws);
    if (!conn || conn.closed) return;
    this.markClosed(ws, conn);
    await this.afterClose(conn);
  }

  // --- sending --------------------------------------------------------------------------------

  protected safeSend(ws: WebSocket, text: string): void {
    try {
      ws.send(text);
      this.counted.out++;
    } catch {
      // the socket is closing; its close handler cleans up
    }
  }

  /** The user's authenticated, open sockets here. */
  protected socketsOf(userId: number): number {
    return this.index.ofUser(userId)?.size ?? 0;
  }

  /** Open sockets here, authenticated or not. */
  protected openSockets(): number {
    return this.index.open().size;
  }

  /**
   * Authenticated, open connections of this room. `fresh`: re-read the runtime's list first (a
   * socket can vanish without a close event when the runtime drops it).
   */
  protected *live(fresh = false): Generator<[WebSocket, Conn]> {
    if (fresh) this.index.rebuild();
    for (const [ws, conn] of this.index.open()) {
      if (!conn.closed && conn.s.uid !== null) yield [ws, conn];
    }
  }

  /**
   * Sends one frame (serialized once) to every authenticated socket whose filters accept it.
   * `only`/`except` pick sockets by user.
   */
  protected broadcast(frame: OutFrame, target: { only?: number; except?: number } = {}): number {
    const targets = target.only !== undefined ? this.index.ofUser(target.only) : this.index.open();
    return targets === undefined ? 0 : broadcastTo(targets, frame, target.except, this.send);
  }

  /** Sends to one socket, through its filters. */
  protected sendFiltered(ws: WebSocket, conn: Conn, frame: OutFrame): void {
    if (matches(conn.matcher, frame.event)) this.safeSend(ws, frame.text);
  }

  // --- the one alarm (socketAlarm.ts) ---------------------------------------------------------

  /** Makes sure the alarm fires no later than `at` (call after scheduling a domain timer). */
  protected armAt(at: number): Promise<void> {
    return this.alarms.armAt(at);
  }

  /** Drops the alarm when nothing needs it: no socket (authenticated or not) and no domain timer pending. */
  protected async disarmIfIdle(): Promise<void> {
    if (this.ctx.getWebSockets().length === 0 && this.alarms.timersIdle()) await this.alarms.set(null);
  }

  override async alarm(): Promise<void> {
    if (this.vacated) return;
    this.counted.alarms++;
    await this.alarms.fire();
    await this.afterAlarm();
  }
}
