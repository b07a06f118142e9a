import { DurableObject } from "cloudflare:workers";
import { markSessionsEnded, sessionLive } from "../auth/sessionGate";
import { TokenError, type RtmClaims, verifyToken, verifyingKeys } from "../auth/tokens";
import { type Config, loadConfig } from "../config";
import type { Env } from "../env";
import { CloseCode, type CloseDecision } from "../protocol/closeCodes";
import { type DecodeLimits, decodeFrame } from "../protocol/codec";
import { type Command, PRE_AUTH_COMMANDS } from "../protocol/commands";
import {
  AUTO_PING,
  type CorrelationId,
  type OutFrame,
  PONG,
  buildEvent,
  errorReply,
  successReply,
} from "../protocol/envelope";
import { type FilterSpec, type Matcher, compileFilters, matches } from "../protocol/filters";
import { parseId } from "../protocol/ids";
import { log, setLogLevel } from "../ops/log";
import { reportRoom } from "../ops/stats";
import { Meta, migrate } from "../storage/sqlite";
import { answerAbsentRoom } from "./absentRoom";
import { Clock } from "./clock";
import { CommandError } from "./errors";
import { type DomainTimer, earliest, runDue } from "./timers";
import { ATTACHMENT_LIMIT_BYTES, type Session, attachmentFits, newSession, readSession } from "./session";
import { SocketIndex } from "./socketIndex";

const FILTERS_TOO_LARGE = `filters too large: the connection's saved state is limited to ${ATTACHMENT_LIMIT_BYTES} bytes`;

/**
 * The id a socket upgrade was routed by: the worker validated `/rtm/ws/<kind>/<id>` and forwards
 * the request untouched (copying it to add a header was a tenth of the worker's upgrade cost).
 * Clients cannot reach a room except through that route.
 */
const ROUTED_ID = /\/rtm\/ws\/[^/]+\/([^/?#]+)(?:[?#]|$)/;

function routedId(url: string): number | null {
  const raw = ROUTED_ID.exec(url)?.[1];
  if (raw === undefined) return null;
  try {
    return parseId(decodeURIComponent(raw)); // the router decoded it the same way
  } catch {
    return null;
  }
}

/** In-memory view of one socket; rebuilt from the attachment after hibernation. */
export interface Conn {
  /** the socket itself (a broadcast walks conns, not [socket, conn] pairs) */
  readonly ws: WebSocket;
  s: Session;
  matcher: Matcher | null;
  /** token bucket (burst COMMAND_BURST, refilled COMMAND_RATE_PER_SEC; beyond it 4029) */
  tokens: number;
  refilled: number;
  /** frames of one socket are handled strictly in order, even across awaits */
  queue: Promise<void>;
  closed: boolean;
}

export type Admission = { ok: true } | { ok: false; close: CloseDecision };

const NEVER = Number.POSITIVE_INFINITY;

/** Close reason of a socket whose session ended (docs/protocol.md#close-codes, 4001). */
export const SESSION_REVOKED = "session revoked";

/**
 * The websocket layer both rooms share: accept (hibernatable), auth, ping/liveness, filters,
 * rate limit, close codes, replies and broadcast. Subclasses say who may connect and what the
 * commands do; every timer runs off the one alarm this class keeps.
 */
export abstract class SocketRoom extends DurableObject<Env> {
  protected readonly config: Config;
  protected readonly meta: Meta;
  /** The storage had no schema when this instance started (see `absentId`). */
  protected readonly fresh: boolean;
  readonly clock = new Clock();
  /** every socket's state, closed ones included (so a late close event is recognised as done) */
  private readonly conns = new WeakMap<WebSocket, Conn>();
  /** the open ones, all and by user, for broadcasts */
  private readonly index = new SocketIndex<Conn>(
    () => this.ctx.getWebSockets(),
    (ws) => this.conn(ws),
  );
  private readonly limits: DecodeLimits;
  /**
   * Connection lifecycle work (presence fan-out, disarming) runs here, in order, without holding
   * up the connection's own frames: a ws_resume sent right after ws_auth is not kept waiting for
   * every channel of the user to hear that the user came online.
   */
  private lifecycle: Promise<void> = Promise.resolve();
  /** frames received and sent since the last stats report (operator counters for system.info) */
  protected readonly counted = { in: 0, out: 0, alarms: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = loadConfig(env as unknown as Record<string, unknown>);
    setLogLevel(this.config.logLevel);
    this.limits = {
      frameLimitBytes: this.config.frameLimitBytes,
      maxFilters: this.config.maxFilters,
      maxFilterValueLength: this.config.maxFilterValueLength,
    };
    // The runtime answers the exact ping frame itself, without waking a hibernating room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(AUTO_PING, PONG));
    this.fresh = migrate(ctx.storage, this.schema());
    this.meta = Meta.of(ctx.storage.sql);
  }

  // --- what a subclass provides ---------------------------------------------------------------

  /** "channel:<id>" / "user:<id>", for logs and operator stats. */
  protected abstract roomLabel(): string;
  /** SQLite migrations of the room, in order (the base adds `_meta`). */
  protected abstract schema(): readonly string[];
  /** Remember the id the worker routed this socket to (first upgrade of a fresh room). */
  protected abstract bind(roomId: number): void;
  /**
   * Called on an upgrade to a `fresh` room: the close for an id that does not exist (the room then
   * deletes the schema it just wrote and answers like an absent room), or null. The worker checks
   * ids before forwarding; this catches what reaches a room anyway (a channel removed moments ago).
   */
  protected absentId(_roomId: number): Promise<CloseDecision | null> {
    return Promise.resolve(null);
  }
  /** May this user hold a socket here? (A fan-out shard asks its channel's room.) */
  protected abstract admit(claims: RtmClaims): Admission | Promise<Admission>;
  /** An admission granted by `admit` went unused: the socket closed while it was being decided. */
  protected admissionUnused(_userId: number): Promise<void> | void {}
  /** The user's authenticated sockets held for this room by other objects (a channel's shards). */
  protected socketsElsewhere(_userId: number): number {
    return 0;
  }
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

  // --- accepting sockets ----------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a websocket upgrade", { status: 426 });
    }
    const roomId = routedId(request.url);
    if (this.fresh && !this.vacated && roomId !== null) {
      const absent = await this.absentId(roomId);
      if (absent) await this.vacate(absent);
    }
    if (this.vacated) return answerAbsentRoom(this.env, this.config, this.vacated);
    if (roomId !== null) this.bind(roomId);
    if (this.tooManyPending()) return this.refusePending();

    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    const now = this.clock.now();
    const session = newSession(now, this.config.authDeadlineMs);
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(session);
    const conn = this.freshConn(server, session, now);
    this.conns.set(server, conn);
    this.index.opened(server, conn);
    if (this.pendingAuth !== null) this.pendingAuth++;
    this.socketDueBy(session.ad);
    await this.armAt(session.ad);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Sockets that have not authenticated yet (each holds memory until its auth deadline), capped
   * per room. Counted in memory so an upgrade costs O(1), not a walk over every socket; null after
   * a wake-up until the first upgrade recounts them.
   */
  private pendingAuth: number | null = null;

  protected tooManyPending(): boolean {
    if (this.pendingAuth === null) {
      let pending = 0;
      for (const conn of this.index.open().values()) if (conn.s.uid === null) pending++;
      this.pendingAuth = pending;
    }
    return this.pendingAuth + this.pendingElsewhere() >= this.config.maxUnauthenticatedPerRoom;
  }

  /** Unauthenticated sockets this room placed on other objects (a channel's shards). */
  protected pendingElsewhere(): number {
    return 0;
  }

  protected refusePending(): Response {
    return Response.json(
      { meta: { ok: false, error: "too many unauthenticated connections; retry shortly", code: "too_many_pending" } },
      { status: 429, headers: { "Retry-After": String(Math.ceil(this.config.authDeadlineMs / 1000)) } },
    );
  }

  private settlePending(): void {
    if (this.pendingAuth !== null && this.pendingAuth > 0) this.pendingAuth--;
  }

  private freshConn(ws: WebSocket, s: Session, now: number): Conn {
    const matcher = compileFilters(s.filters);
    return { ws, s, matcher, tokens: this.config.commandBurst, refilled: now, queue: Promise.resolve(), closed: false };
  }

  protected conn(ws: WebSocket): Conn | null {
    let conn = this.conns.get(ws);
    if (!conn) {
      const s = readSession(ws);
      if (!s) return null;
      conn = this.freshConn(ws, s, this.clock.now());
      this.conns.set(ws, conn);
    }
    return conn;
  }

  protected persist(ws: WebSocket, conn: Conn): void {
    ws.serializeAttachment(conn.s);
  }

  // --- incoming frames ------------------------------------------------------------------------

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const conn = this.conn(ws);
    if (!conn) {
      ws.close(CloseCode.PolicyViolation, "unknown connection");
      return;
    }
    const run = conn.queue.then(() => this.handleFrame(ws, conn, message));
    conn.queue = run.catch(() => undefined);
    return run.catch((err) => {
      log("error", "frame handler failed", { room: this.roomLabel(), cid: conn.s.cid, user_id: conn.s.uid, err: String(err) });
    });
  }

  private takeToken(conn: Conn, now: number): boolean {
    const { commandRatePerSec, commandBurst } = this.config;
    conn.tokens = Math.min(commandBurst, conn.tokens + ((now - conn.refilled) / 1000) * commandRatePerSec);
    conn.refilled = now;
    if (conn.tokens < 1) return false;
    conn.tokens -= 1;
    return true;
  }

  private touch(ws: WebSocket, conn: Conn, now: number): void {
    // Re-serializing the attachment on every frame would cost more than a one-second error in a
    // 25-second liveness check.
    if (now - conn.s.seen >= 1000) {
      conn.s.seen = now;
      this.persist(ws, conn);
    }
  }

  private async handleFrame(ws: WebSocket, conn: Conn, message: string | ArrayBuffer): Promise<void> {
    if (conn.closed) return;
    this.counted.in++;
    const now = this.clock.now();
    const decoded = decodeFrame(message, this.limits);
    if (decoded.kind === "close") return this.closeConn(ws, conn, decoded.close.code, decoded.close.reason);
    if (!this.takeToken(conn, now)) return this.closeConn(ws, conn, CloseCode.RateLimited, "rate limit exceeded");
    this.touch(ws, conn, now);
    if (decoded.kind === "pong") return;

    const name = decoded.kind === "command" ? decoded.command.command : decoded.name;
    if (conn.s.uid === null && !PRE_AUTH_COMMANDS.has(name)) {
      return this.closeConn(ws, conn, CloseCode.PolicyViolation, "authenticate first");
    }
    if (decoded.kind === "invalid") {
      if (name === "ws_auth") return this.closeConn(ws, conn, CloseCode.AuthFailed, "authentication failed");
      this.safeSend(ws, errorReply(decoded.correlationId, decoded.error, now));
      return;
    }

    const { command, correlationId } = decoded;
    switch (command.command) {
      case "ws_auth":
        return this.authenticate(ws, conn, command.auth_token, correlationId);
      case "ws_ping":
        this.safeSend(ws, PONG);
        return;
      case "ws_filter":
        return this.setFilters(ws, conn, command.filters, correlationId, now);
      default:
        try {
          await this.onCommand(ws, conn, command);
          if (correlationId !== null) this.safeSend(ws, successReply(correlationId, this.clock.now()));
        } catch (err) {
          if (!(err instanceof CommandError)) {
            log("error", "command failed", { room: this.roomLabel(), cid: conn.s.cid, user_id: conn.s.uid, command: command.command, err: String(err) });
          }
          const text = err instanceof CommandError ? err.message : "internal error";
          this.safeSend(ws, errorReply(correlationId, text, this.clock.now()));
        }
    }
  }

  /**
   * Replaces the connection's filters, or keeps the old ones and replies an error when the new
   * ones would not fit the socket attachment (docs/protocol.md "Filters"): a session the runtime
   * refuses to save would lose its filters on hibernation and fail every later save.
   */
  private setFilters(ws: WebSocket, conn: Conn, filters: FilterSpec[], correlationId: CorrelationId, now: number): void {
    const next = filters.length ? filters : null;
    if (!attachmentFits({ ...conn.s, filters: next })) {
      this.safeSend(ws, errorReply(correlationId, FILTERS_TOO_LARGE, now));
      return;
    }
    const previous = { filters: conn.s.filters, matcher: conn.matcher };
    conn.s.filters = next;
    conn.matcher = compileFilters(next);
    try {
      this.persist(ws, conn);
    } catch (err) {
      conn.s.filters = previous.filters;
      conn.matcher = previous.matcher;
      log("error", "filters not saved", { room: this.roomLabel(), cid: conn.s.cid, err: String(err) });
      this.safeSend(ws, errorReply(correlationId, FILTERS_TOO_LARGE, now));
      return;
    }
    this.safeSend(ws, successReply(correlationId, now));
  }

  private async authenticate(ws: WebSocket, conn: Conn, token: string, correlationId: CorrelationId): Promise<void> {
    let claims: RtmClaims;
    try {
      claims = await verifyToken(token, "rtm", verifyingKeys(this.env, this.config));
    } catch (err) {
      const reason = err instanceof TokenError && err.reason === "expired" ? "token expired" : "authentication failed";
      return this.closeConn(ws, conn, CloseCode.AuthFailed, reason);
    }
    if (!(await sessionLive(this.env.DB, claims.sid, claims.user_id, this.config.sessionCheckTtlMs))) {
      return this.closeConn(ws, conn, CloseCode.AuthFailed, SESSION_REVOKED);
    }
    if (conn.closed) return;
    const first = conn.s.uid === null;
    if (!first && claims.user_id !== conn.s.uid) {
      return this.closeConn(ws, conn, CloseCode.AuthFailed, "token is for another user");
    }
    if (first) {
      const decided = this.admit(claims);
      const admission = decided instanceof Promise ? await decided : decided;
      if (!admission.ok) return this.closeConn(ws, conn, admission.close.code, admission.close.reason);
      if (conn.closed) return this.admissionUnused(claims.user_id);
      // Checked and counted in one synchronous step, so concurrent auths cannot both take the last place.
      if (this.socketsOf(claims.user_id) + this.socketsElsewhere(claims.user_id) >= this.config.maxSocketsPerUser) {
        await this.admissionUnused(claims.user_id);
        return this.closeConn(ws, conn, CloseCode.RateLimited, "too many sockets");
      }
      conn.s.uid = claims.user_id;
      conn.s.name = claims.user_name;
      conn.s.ad = 0;
      this.settlePending();
      this.index.authenticated(ws, conn);
    }
    conn.s.sid = claims.sid;
    conn.s.exp = claims.exp * 1000;
    this.socketDueBy(conn.s.exp);
    const now = this.clock.now();
    const ready = buildEvent(
      "rtm.ready",
      { connection_id: conn.s.cid, user_id: claims.user_id, ...this.readyPayload(conn.s) },
      now,
    );
    this.persist(ws, conn); // after readyPayload, which may record state in the session
    this.safeSend(ws, ready.text);
    void correlationId; // rtm.ready is the answer to ws_auth; no separate success reply
    await this.armAt(Math.min(conn.s.exp, await this.pingCheckDue(now)));
    if (first) this.afterLifecycle(() => this.onAuthenticated(conn.s));
  }

  private afterLifecycle(work: () => Promise<void> | void): Promise<void> {
    const run = this.lifecycle.then(work);
    this.lifecycle = run.catch((err) => log("error", "connection lifecycle failed", { room: this.roomLabel(), err: String(err) }));
    return this.lifecycle;
  }

  /** Resolves once every lifecycle step queued so far has run (tests, and the alarm's bookkeeping). */
  protected settled(): Promise<void> {
    return this.lifecycle;
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
    this.alarmAt = null;
    await this.ctx.storage.deleteAlarm();
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
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.live(true)) {
      if (conn.s.uid === userId && ended.has(conn.s.sid)) closing.push(this.closeConn(ws, conn, CloseCode.AuthFailed, SESSION_REVOKED));
    }
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

  /** Closes every socket of `userId` in this room (the server API's disconnect); how many were open. */
  async disconnectUser(userId: number, code: number, reason: string): Promise<number> {
    const closing: Promise<void>[] = [];
    for (const [ws, conn] of this.live(true)) if (conn.s.uid === userId) closing.push(this.closeConn(ws, conn, code, reason));
    await Promise.all(closing);
    return closing.length;
  }

  private markClosed(ws: WebSocket, conn: Conn): void {
    conn.closed = true;
    this.index.closed(ws, conn);
  }

  /** Presence bookkeeping, and no alarm left behind once the last socket is gone. */
  private afterClose(conn: Conn): Promise<void> {
    if (conn.s.uid === null) this.settlePending();
    return this.afterLifecycle(() => this.closed(conn));
  }

  private async closed(conn: Conn): Promise<void> {
    if (conn.s.uid !== null) await this.onDisconnected(conn.s);
    if (this.index.open().size > 0) return;
    if (earliest(this.timers) === null) {
      this.meta.set("ping_check_at", 0);
      await this.setAlarm(null);
    }
    await this.reportStats(0, null);
  }

  /**
   * Folds the counters into the room's totals and reports them (src/ops/stats.ts). A room whose
   * figures did not change reports again only before its stats row would count as silent, so
   * idle rooms cost the stats shards and Analytics Engine little.
   */
  private async reportStats(connections: number, alarmAt: number | null): Promise<void> {
    const now = this.clock.now();
    const { in: inDelta, out: outDelta, alarms } = this.counted;
    const lastAt = this.meta.get<number>("stats_at") ?? 0;
    const unchanged = inDelta === 0 && outDelta === 0 && connections === (this.meta.get<number>("stats_conns") ?? -1);
    if (unchanged && now - lastAt < this.config.statsSilenceMs / 2) return;
    const messagesIn = (this.meta.get<number>("stats_in") ?? 0) + inDelta;
    const messagesOut = (this.meta.get<number>("stats_out") ?? 0) + outDelta;
    this.meta.set("stats_in", messagesIn);
    this.meta.set("stats_out", messagesOut);
    this.meta.set("stats_conns", connections);
    this.meta.set("stats_at", now);
    this.counted.in = 0;
    this.counted.out = 0;
    this.counted.alarms = 0;
    await reportRoom(this.env, this.config, {
      room: this.roomLabel(),
      connections,
      messages_in: messagesIn,
      messages_out: messagesOut,
      in_delta: inDelta,
      out_delta: outDelta,
      alarms,
      alarm_at: alarmAt,
      at: now,
    });
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
    // The hot path (one pass per event over every socket): a plain loop over the in-memory index
    // instead of live()'s generator, and each distinct filter set matched once per event
    // (identical filter lists share one interned Matcher, see compileFilters).
    const { only, except } = target;
    const { event, text } = frame;
    const targets = only !== undefined ? this.index.ofUser(only) : this.index.open();
    if (targets === undefined) return 0;
    let verdicts: Map<Matcher, boolean> | null = null;
    let sent = 0;
    for (const conn of targets.values()) {
      if (conn.closed) continue;
      const uid = conn.s.uid;
      if (uid === null) continue;
      if (except !== undefined && uid === except) continue;
      const matcher = conn.matcher;
      if (matcher !== null) {
        verdicts ??= new Map();
        let pass = verdicts.get(matcher);
        if (pass === undefined) {
          pass = matches(matcher, event);
          verdicts.set(matcher, pass);
        }
        if (!pass) continue;
      }
      this.safeSend(conn.ws, text);
      sent++;
    }
    return sent;
  }

  /** Sends to one socket, through its filters. */
  protected sendFiltered(ws: WebSocket, conn: Conn, frame: OutFrame): void {
    if (matches(conn.matcher, frame.event)) this.safeSend(ws, frame.text);
  }

  // --- the one alarm --------------------------------------------------------------------------

  /**
   * When the alarm is set for, as this instance last set or read it (undefined: not known yet).
   * Every upgrade and every auth asks; a storage read each time was a tenth of the connect path.
   */
  private alarmAt: number | null | undefined = undefined;

  /** Makes sure the alarm fires no later than `at` (call after scheduling a domain timer). */
  protected async armAt(at: number): Promise<void> {
    if (!Number.isFinite(at)) return;
    if (this.alarmAt === undefined) {
      const stored = await this.ctx.storage.getAlarm();
      this.alarmAt ??= stored; // another armAt may have set it while we read
    }
    // Decided synchronously after the read, so two concurrent calls never leave the later time set.
    if (this.alarmAt === null || at < this.alarmAt) await this.setAlarm(at);
  }

  /** Drops the alarm when nothing needs it: no socket (authenticated or not) and no domain timer pending. */
  protected async disarmIfIdle(): Promise<void> {
    if (this.ctx.getWebSockets().length === 0 && earliest(this.timers) === null) await this.setAlarm(null);
  }

  private async setAlarm(at: number | null): Promise<void> {
    this.alarmAt = at;
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  /** Time of the next ping check, scheduling one if none is pending. */
  private async pingCheckDue(now: number): Promise<number> {
    const due = this.meta.get<number>("ping_check_at");
    if (due !== undefined && due > now - this.config.pingIntervalMs) return due;
    const next = now + this.config.pingIntervalMs;
    this.meta.set("ping_check_at", next);
    return next;
  }

  /**
   * Earliest auth deadline or token expiry among the sockets, as far as this instance knows
   * (undefined after a wake-up: the next alarm walks the sockets to learn it). An alarm that fires
   * for a domain timer (an unread slice every 25 ms on a busy channel) skips the walk over every
   * socket when no socket deadline is due.
   */
  private socketDue: number | undefined = undefined;

  private socketDueBy(at: number): void {
    if (this.socketDue !== undefined) this.socketDue = Math.min(this.socketDue, at);
  }

  override async alarm(): Promise<void> {
    if (this.vacated) return;
    // The alarm that fired is no longer set; anything armAt sets while this runs is kept below.
    this.alarmAt = null;
    this.counted.alarms++;
    try {
      await this.runAlarm();
    } catch (err) {
      this.alarmAt = undefined; // the runtime schedules a retry: read the alarm again next time
      throw err;
    }
    await this.afterAlarm();
  }

  /** Runs after each alarm's timers and re-arming (a room that waited to vacate does it here). */
  protected async afterAlarm(): Promise<void> {}

  private async runAlarm(): Promise<void> {
    const now = this.clock.now();
    const checkAt = this.meta.get<number>("ping_check_at") ?? NEVER;
    const pingCheck = now >= checkAt;
    let next = NEVER;
    if (pingCheck || this.socketDue === undefined || now >= this.socketDue) {
      next = await this.checkSockets(now, pingCheck, checkAt);
    } else {
      next = Math.min(this.socketDue, checkAt);
    }

    await runDue(this.timers, now);
    const domain = earliest(this.timers);
    if (domain !== null) next = Math.min(next, domain);

    let alarmAt = next === NEVER ? null : Math.max(next, now + 1);
    const armed = this.alarmAt; // set by armAt while this handler awaited
    if (armed !== null && armed !== undefined && (alarmAt === null || armed < alarmAt)) alarmAt = armed;
    await this.setAlarm(alarmAt);
    if (pingCheck) await this.reportStats(this.authedCount, alarmAt);
  }

  /** authenticated sockets counted by the last walk (operator stats) */
  private authedCount = 0;

  /**
   * Closes sockets past their auth deadline or token expiry and, on a ping check, silent ones
   * (pinging those quiet for an interval). Answers when the sockets next need a look.
   */
  private async checkSockets(now: number, pingCheck: boolean, checkAt: number): Promise<number> {
    const interval = this.config.pingIntervalMs;
    let due = NEVER;
    let authed = 0;
    const pingFrame = pingCheck ? buildEvent("ping", {}, now).text : "";
    this.socketDue = NEVER; // sockets accepted or authenticated while this awaits lower it
    this.index.rebuild(); // the runtime's list is the truth; memory is only a cache of it
    for (const [ws, conn] of [...this.index.open()]) {
      if (conn.closed) continue;
      const s = conn.s;
      if (s.uid === null) {
        if (now >= s.ad) await this.closeConn(ws, conn, CloseCode.AuthFailed, "authentication timeout");
        else due = Math.min(due, s.ad);
        continue;
      }
      if (now >= s.exp) {
        await this.closeConn(ws, conn, CloseCode.TokenExpired, "token expired");
        continue;
      }
      if (pingCheck) {
        const autoAt = this.ctx.getWebSocketAutoResponseTimestamp(ws);
        const auto = autoAt ? this.clock.fromWall(autoAt.getTime()) : 0;
        const silent = now - Math.max(s.seen, auto);
        if (silent >= 2 * interval) {
          await this.closeConn(ws, conn, CloseCode.PingTimeout, "ping timeout");
          continue;
        }
        if (silent >= interval) this.safeSend(ws, pingFrame);
      }
      authed++;
      due = Math.min(due, s.exp);
    }
    this.socketDue = Math.min(this.socketDue ?? NEVER, due);
    this.authedCount = authed;

    if (authed === 0) {
      this.meta.set("ping_check_at", 0);
      return due;
    }
    const nextCheck = pingCheck || checkAt === NEVER ? now + interval : checkAt;
    this.meta.set("ping_check_at", nextCheck);
    return Math.min(due, nextCheck);
  }
}
