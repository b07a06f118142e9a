import ReconnectingWebSocket from "partysocket/ws";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { closeAction } from "./closePolicy.js";
import { Listeners } from "./emitter.js";
import { isOpen, type Phase, wasReady } from "./phase.js";
import { RequestError, Requests } from "./requests.js";
import { ResumeState } from "./resume.js";
import {
  AUTO_PING,
  type ErrorReply,
  type EventName,
  type EventPayloads,
  type FilterSpec,
  type MessageObject,
  type SuccessReply,
} from "./protocol.js";
import type { AppCommand, CommandParams, RtmEvent, ServerEvent } from "./types.js";

/**
 * One logical realtime socket (the user stream or one channel) that survives drops.
 *
 * The transport — opening sockets, connect timeouts, tearing down and re-opening — is partysocket's
 * ReconnectingWebSocket (docs/client.md says why). This file adds only our protocol on top:
 * `ws_auth` as the first frame, filters and `ws_resume` right after it, `ws_ping` on a timer,
 * silent-drop detection, full-jitter backoff (applied in the URL provider, which partysocket
 * awaits before every attempt), close-code policy, and correlationId'd requests.
 */

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "resumed" | "closed";

export interface Status {
  state: ConnectionState;
  /** reconnect attempts since the last successful ws_auth */
  attempt: number;
  /** after a reconnection of a channel socket: whether ws_resume recovered everything */
  recovered?: boolean;
  /** events replayed by the last resume */
  replayed?: number;
  /** the close that ended the socket for good (state "closed") */
  close?: { code: number; reason: string };
  /** the close that caused the latest reconnection */
  lastDrop?: { code: number; reason: string };
  /** why connecting failed before any socket existed (e.g. rtm.connect answered 401) */
  error?: string;
}

export interface Resync {
  channelId: number;
  /** messages after the last one this socket delivered, oldest first (may overlap live events: merge by id) */
  messages: MessageObject[];
  /**
   * false: the gap was too long to load (or the socket knew no message), so `messages` is the
   * newest page and older missed ones are left out: replace what you show rather than append.
   */
  complete: boolean;
}

export interface TokenSource {
  /** A ws token that is valid now (refreshed with rtm.connect when stale or about to expire). */
  fresh(): Promise<string>;
  /** The current token, without refreshing. */
  current(): string | null;
  /** The server refused or expired the token: the next fresh() fetches a new one. */
  markStale(): void;
}

export interface SocketOptions {
  url: string;
  /** set for a channel socket (enables resume); null for the user stream */
  channelId: number | null;
  tokens: TokenSource;
  /** ws_ping period; must stay below the server's 25 s ping interval */
  pingIntervalMs: number;
  /** no rtm.ready this long after the socket opened → drop and retry */
  authTimeoutMs: number;
  /** opening handshake timeout (partysocket's connectionTimeout) */
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  backoff: BackoffOptions;
  random: () => number;
  /** WebSocket constructor (defaults to the global one: browsers, Node ≥ 22) */
  WebSocket?: unknown;
  /** loads messages after an id (channel.history) when a resume could not recover */
  loadAfter?: (channelId: number, afterMessageId: number) => Promise<{ messages: MessageObject[]; complete: boolean }>;
  /** the bearer session is gone (rtm.connect answered 401): stop retrying */
  isFatal?: (err: unknown) => boolean;
}

type AnyHandler = (payload: any, event: ServerEvent<any>) => void;

export class RtmSocket {
  private status: Status = { state: "connecting", attempt: 0 };
  private rws: ReconnectingWebSocket | null = null;
  private readonly resume = new ResumeState();
  private readonly requests = new Requests();
  private readonly readyWaiters = new Set<{ resolve: () => void; reject: (err: RequestError) => void }>();
  private filters: FilterSpec[] | null = null;
  private filterCid: string | null = null;
  private resumeCid: string | null = null;
  private phase: Phase = { kind: "connecting", wasReady: false };
  private attempts = 0;
  private connects = 0;
  private lastFrameAt = 0;
  private lastPingAt = 0;
  private lastMessageId = 0;
  private tick: ReturnType<typeof setInterval> | null = null;
  private authTimer: ReturnType<typeof setTimeout> | null = null;
  private sleeping: { timer: ReturnType<typeof setTimeout>; wake: () => void } | null = null;
  private lastDrop: { code: number; reason: string } | null = null;

  private readonly byName = new Map<string, Listeners<[any, ServerEvent<any>]>>();
  private readonly anyListeners = new Listeners<[ServerEvent]>();
  private readonly statusListeners = new Listeners<[Status]>();
  private readonly resyncListeners = new Listeners<[Resync]>();
  private readonly errorListeners = new Listeners<[Error]>();

  constructor(private readonly opts: SocketOptions) {}

  /** connection_id of the current connection (from rtm.ready) */
  get connectionId(): string | null {
    return this.phase.kind === "ready" ? this.phase.connectionId : null;
  }

  get channelId(): number | null {
    return this.opts.channelId;
  }

  get state(): Status {
    return { ...this.status };
  }

  /** Where resume would start from: the room's epoch and the last seq delivered. */
  get position(): { epoch: string | null; seq: number; lastMessageId: number } {
    return { epoch: this.resume.epoch, seq: this.resume.seq, lastMessageId: this.lastMessageId };
  }

  // --- listening ------------------------------------------------------------------------------

  on<K extends EventName>(name: K, fn: (payload: EventPayloads[K], event: RtmEvent<K>) => void): () => void;
  on(name: string, fn: AnyHandler): () => void;
  on(name: string, fn: AnyHandler): () => void {
    let set = this.byName.get(name);
    if (!set) {
      set = new Listeners();
      this.byName.set(name, set);
    }
    return set.add(fn);
  }

  onAny(fn: (event: ServerEvent) => void): () => void {
    return this.anyListeners.add(fn);
  }

  onStatus(fn: (status: Status) => void): () => void {
    return this.statusListeners.add(fn);
  }

  onResync(fn: (resync: Resync) => void): () => void {
    return this.resyncListeners.add(fn);
  }

  onError(fn: (err: Error) => void): () => void {
    return this.errorListeners.add(fn);
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Opens the socket (idempotent); use ready() to wait for ws_auth to succeed. */
  start(): this {
    if (this.rws || this.phase.kind === "closed") return this;
    this.rws = new ReconnectingWebSocket(() => this.nextUrl(), undefined, {
      WebSocket: this.opts.WebSocket,
      // Backoff is ours (full jitter, in nextUrl): partysocket's own delay is zeroed.
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      reconnectionDelayGrowFactor: 1,
      connectionTimeout: this.opts.connectTimeoutMs,
      // A frame queued while offline would reach the next socket before ws_auth (→ 1008).
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (ev) => closeAction(ev.code, ev.reason).reconnect,
    });
    this.rws.addEventListener("open", () => this.onOpen());
    this.rws.addEventListener("message", (ev) => this.onMessage(ev.data));
    this.rws.addEventListener("close", (ev) => this.onClose(ev.code, ev.reason));
    const period = Math.max(50, Math.floor(this.opts.pingIntervalMs / 2));
    this.tick = setInterval(() => this.onTick(), period);
    return this;
  }

  /** Resolves once the socket is authenticated (now, or after the next successful ws_auth). */
  ready(timeoutMs = this.opts.requestTimeoutMs): Promise<void> {
    if (this.phase.kind === "ready") return Promise.resolve();
    if (this.phase.kind === "closed") return Promise.reject(new RequestError("socket is closed", "disconnected"));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          this.readyWaiters.delete(waiter);
          resolve();
        },
        reject: (err: RequestError) => {
          clearTimeout(timer);
          this.readyWaiters.delete(waiter);
          reject(err);
        },
      };
      const timer = setTimeout(() => waiter.reject(new RequestError(`not connected within ${timeoutMs} ms`, "timeout")), timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  /** Closes for good (clean close 1000); pending requests are rejected. */
  close(reason = "client closed"): void {
    if (this.phase.kind === "closed") return;
    this.phase = { kind: "closed" };
    this.clearTimers();
    this.wakeSleeper();
    this.requests.failAll(`socket closed: ${reason}`);
    this.failWaiters(`socket closed: ${reason}`);
    this.rws?.close(1000, reason);
    this.setStatus({ state: "closed", attempt: 0, close: { code: 1000, reason } });
  }

  /**
   * Drops the current connection as if the network had failed, and reconnects (with resume).
   * Also used internally when the socket went silent.
   */
  drop(reason = "dropped by the client"): void {
    if (this.phase.kind === "closed" || !this.rws) return;
    this.handleDrop(4000, reason);
    this.rws.reconnect(4000, reason);
  }

  /** Cuts a pending backoff wait short (e.g. the browser just came back online). */
  retryNow(): void {
    this.wakeSleeper();
  }

  // --- sending --------------------------------------------------------------------------------

  /** Sends a command without waiting for an answer; false when not connected (dropped). */
  send<K extends AppCommand>(command: K, params: CommandParams<K>): boolean {
    if (this.phase.kind !== "ready") return false;
    return this.raw({ command, ...params });
  }

  /** Sends a command with a correlationId; resolves on the success reply, rejects on the error reply. */
  async request<K extends AppCommand>(
    command: K,
    params: CommandParams<K>,
    timeoutMs = this.opts.requestTimeoutMs,
  ): Promise<SuccessReply> {
    await this.ready(timeoutMs);
    const correlationId = this.requests.nextId();
    const answer = this.requests.expect(correlationId, timeoutMs, command);
    if (!this.raw({ command, ...params, correlationId })) this.requests.lost(correlationId, "connection lost before the request was sent");
    return answer;
  }

  /**
   * Replaces the connection's event filters (iSymphony semantics, docs/protocol.md#filters); an empty list clears
   * them. They are re-sent after every reconnection, before ws_resume, so replays are filtered too.
   */
  async setFilters(filters: FilterSpec[], timeoutMs = this.opts.requestTimeoutMs): Promise<void> {
    await this.ready(timeoutMs);
    const correlationId = this.requests.nextId();
    const answer = this.requests.expect(correlationId, timeoutMs, "filter");
    if (!this.raw({ type: "filter", correlationId, filters })) this.requests.lost(correlationId, "connection lost before the request was sent");
    await answer;
    this.filters = filters.length ? [...filters] : null;
  }

  /** Re-authenticates the live connection with a fresh token (extends its expiry, no reconnect). */
  reauth(token: string): void {
    if (this.phase.kind === "ready") this.raw({ command: "ws_auth", auth_token: token });
  }

  /** Tells the socket about a message the app loaded itself (the point a resync starts after). */
  noteMessage(id: number): void {
    if (id > this.lastMessageId) this.lastMessageId = id;
  }

  // --- internals: connecting ------------------------------------------------------------------

  /** partysocket awaits this before every attempt: backoff, then a valid token. */
  private async nextUrl(): Promise<string> {
    if (this.connects++ > 0) {
      this.setStatus({ state: wasReady(this.phase) ? "reconnecting" : "connecting", attempt: this.attempts + 1 });
      await this.sleep(backoffDelay(this.attempts++, this.opts.backoff, this.opts.random));
    }
    if (this.phase.kind === "closed") return this.opts.url;
    try {
      await this.opts.tokens.fresh();
    } catch (err) {
      if (this.opts.isFatal?.(err)) {
        this.errorListeners.emit(err instanceof Error ? err : new Error(String(err)));
        this.close("session expired: log in again");
      }
      throw err; // partysocket retries (through this provider, so with backoff)
    }
    return this.opts.url;
  }

  private onOpen(): void {
    if (this.phase.kind === "closed") return;
    this.phase = { kind: "authenticating", wasReady: wasReady(this.phase) };
    this.lastFrameAt = Date.now();
    this.lastPingAt = this.lastFrameAt;
    const token = this.opts.tokens.current();
    // ws_auth, then filters, then ws_resume: pipelined, and handled by the room in this order.
    this.raw({ command: "ws_auth", auth_token: token ?? "" });
    if (this.filters) {
      this.filterCid = this.requests.nextId();
      this.raw({ type: "filter", correlationId: this.filterCid, filters: this.filters });
    }
    if (this.opts.channelId !== null) {
      const from = this.resume.begin();
      if (from) {
        this.resumeCid = this.requests.nextId();
        this.raw({ command: "ws_resume", ...from, correlationId: this.resumeCid });
      }
    }
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => {
      if (this.phase.kind === "authenticating") this.drop("no rtm.ready in time");
    }, this.opts.authTimeoutMs);
  }

  private onClose(code: number, reason: string): void {
    // partysocket also reports closes of attempts that never opened (synthetic 1000s): only a
    // close of an open connection or a final code changes what the app sees.
    const action = closeAction(code, reason);
    if (action.refreshToken) this.opts.tokens.markStale();
    this.handleDrop(code, reason);
    if (!action.reconnect && this.phase.kind !== "closed") {
      this.phase = { kind: "closed" };
      this.clearTimers();
      this.wakeSleeper();
      this.failWaiters(`closed by the server (${code} ${reason})`);
      this.setStatus({ state: "closed", attempt: 0, close: { code, reason } });
      this.rws?.close();
    }
  }

  private handleDrop(code: number, reason: string): void {
    if (!isOpen(this.phase)) return;
    this.phase = { kind: "connecting", wasReady: wasReady(this.phase) };
    if (this.authTimer) clearTimeout(this.authTimer);
    this.resume.onDrop();
    this.resumeCid = null;
    this.filterCid = null;
    this.lastDrop = { code, reason };
    this.requests.failAll(`connection lost (${code}${reason ? ` ${reason}` : ""})`);
    if (closeAction(code, reason).reconnect) {
      this.setStatus({ state: "reconnecting", attempt: this.attempts + 1 });
    }
  }

  // --- internals: frames ----------------------------------------------------------------------

  private onMessage(data: unknown): void {
    this.lastFrameAt = Date.now();
    if (typeof data !== "string") return;
    let frame: Record<string, any>;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "success" || frame.type === "error") return this.onReply(frame as SuccessReply | ErrorReply);
    const name = frame.event;
    if (typeof name !== "string") return;
    switch (name) {
      case "pong":
        return;
      case "ping":
        this.raw(AUTO_PING);
        return;
      case "rtm.ready":
        return this.onReady(frame as RtmEvent<"rtm.ready">);
      case "rtm.resumed":
        return this.onResumed(frame as RtmEvent<"rtm.resumed">);
    }
    const ev = frame as ServerEvent;
    const out = this.opts.channelId !== null ? this.resume.onEvent(ev) : [ev];
    for (const e of out) this.deliver(e);
  }

  private onReady(frame: RtmEvent<"rtm.ready">): void {
    if (this.phase.kind === "ready") {
      // Answer to a re-auth with a fresh token: the same connection, now with a later expiry.
      this.deliver(frame);
      return;
    }
    // rtm.ready answers the ws_auth of an open connection; partysocket detaches a closed one's listeners.
    if (this.phase.kind !== "authenticating") return;
    const reconnected = this.phase.wasReady;
    this.phase = { kind: "ready", connectionId: frame.payload.connection_id };
    if (this.authTimer) clearTimeout(this.authTimer);
    this.attempts = 0;
    if (this.opts.channelId !== null) this.resume.onReady(frame.payload);
    for (const w of [...this.readyWaiters]) w.resolve();
    this.deliver(frame);
    if (!reconnected) this.setStatus({ state: "connected", attempt: 0 });
    // The user stream cannot resume (docs/protocol.md#resume): "resumed, not recovered" tells the app to reload
    // what it shows from it. A channel socket's status waits for rtm.resumed.
    else if (this.opts.channelId === null) this.setStatus({ state: "resumed", attempt: 0, recovered: false, replayed: 0 });
    else if (!this.resume.isResuming) this.setStatus({ state: "connected", attempt: 0 });
  }

  private onResumed(frame: RtmEvent<"rtm.resumed">): void {
    this.resumeCid = null;
    const outcome = this.resume.onResumed(frame.payload);
    for (const e of outcome.deliver) this.deliver(e);
    this.deliver(frame);
    this.setStatus({ state: "resumed", attempt: 0, recovered: outcome.recovered, replayed: outcome.deliver.length });
    if (!outcome.recovered) void this.resync();
  }

  private async resync(): Promise<void> {
    const channelId = this.opts.channelId;
    if (channelId === null || !this.opts.loadAfter) return;
    try {
      const { messages, complete } = await this.opts.loadAfter(channelId, this.lastMessageId);
      for (const m of messages) this.noteMessage(m.id);
      this.resyncListeners.emit({ channelId, messages, complete });
    } catch (err) {
      this.errorListeners.emit(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onReply(reply: SuccessReply | ErrorReply): void {
    const cid = reply.correlationId === null ? null : String(reply.correlationId);
    if (cid !== null && cid === this.resumeCid) {
      // rtm.resumed answers ws_resume; its success reply follows and needs nothing.
      if (reply.type === "error") {
        this.resumeCid = null;
        this.resume.onResumeRefused();
        this.setStatus({ state: "resumed", attempt: 0, recovered: false, replayed: 0 });
        void this.resync();
      }
      return;
    }
    if (cid !== null && cid === this.filterCid) {
      this.filterCid = null;
      if (reply.type === "error") this.errorListeners.emit(new Error(`filters refused after reconnect: ${reply.error}`));
      return;
    }
    if (!this.requests.settle(reply) && reply.type === "error") {
      this.errorListeners.emit(new RequestError(reply.error, "error"));
    }
  }

  private deliver(ev: ServerEvent): void {
    if (ev.event === "chat.postMessage") {
      // Frames are not validated on the client: a malformed payload must not throw here.
      const id: unknown = (ev.payload as Partial<EventPayloads["chat.postMessage"]>).message?.id;
      if (typeof id === "number") this.noteMessage(id);
    }
    this.byName.get(ev.event)?.emit(ev.payload, ev);
    this.anyListeners.emit(ev);
  }

  // --- internals: liveness, requests, timers ---------------------------------------------------

  private onTick(): void {
    if (!isOpen(this.phase)) return;
    const now = Date.now();
    const period = this.opts.pingIntervalMs;
    if (now - this.lastFrameAt > 2 * period) {
      // No frame (not even a pong) for two ping periods: the connection is dead without a close.
      this.drop("no frame for two ping periods");
      return;
    }
    if (now - this.lastPingAt >= period) {
      this.lastPingAt = now;
      // The exact frame the runtime auto-answers: it never wakes a hibernating room.
      this.raw(AUTO_PING);
    }
  }

  private raw(frame: object | string): boolean {
    if (!this.rws || !isOpen(this.phase)) return false;
    try {
      return this.rws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    } catch {
      return false;
    }
  }

  private failWaiters(message: string): void {
    for (const w of [...this.readyWaiters]) w.reject(new RequestError(message, "disconnected"));
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.phase.kind === "closed") return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping = { timer, wake };
    });
  }

  private wakeSleeper(): void {
    this.sleeping?.wake();
  }

  private clearTimers(): void {
    if (this.tick) clearInterval(this.tick);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.tick = null;
    this.authTimer = null;
  }

  private setStatus(next: Status): void {
    if (this.lastDrop && next.state !== "closed") next.lastDrop = this.lastDrop;
    this.status = next;
    this.statusListeners.emit({ ...next });
  }
}
