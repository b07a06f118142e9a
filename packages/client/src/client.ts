import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.js";
import { ApiCallError, type Fetch, HttpApi } from "./http.js";
import { type Resync, RtmSocket, type SocketOptions, type Status, type TokenSource } from "./socket.js";
import { tokenExpiry } from "./token.js";
import type { MessageObject, UserObject } from "./protocol.js";

export interface ClientOptions {
  /** origin of the service, e.g. "https://realtime.example.com" (default: the page's origin) */
  baseUrl?: string;
  /** ws_ping period (default 20 s: below the server's 25 s check, so the room never pings us) */
  pingIntervalMs?: number;
  /** reconnect backoff (full jitter) */
  backoff?: BackoffOptions;
  /** refresh the ws token this long before it expires (default 60 s) */
  refreshMarginMs?: number;
  authTimeoutMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** random source in [0, 1) for the jitter (tests pin it) */
  random?: () => number;
  /** WebSocket constructor (default: the global one) */
  WebSocket?: unknown;
  fetch?: Fetch;
  /** sent to rtm.connect and kept in the ws token */
  fingerprint?: string;
}

const DEFAULTS = {
  pingIntervalMs: 20_000,
  refreshMarginMs: 60_000,
  authTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
};

/** The page's window events, when there is a page (not in Node or a worker). */
function windowEvents(): { addEventListener(t: string, f: () => void): void; removeEventListener(t: string, f: () => void): void } | null {
  const g = globalThis as { window?: unknown; addEventListener?: unknown };
  return g.window === globalThis && typeof g.addEventListener === "function" ? (globalThis as never) : null;
}

function defaultBase(): string {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  if (loc?.origin && loc.origin !== "null") return loc.origin;
  throw new Error("baseUrl is required outside a browser page");
}

/**
 * The realtime client: log in, `connect()` (rtm.connect + the user stream), channel sockets on
 * demand, one ws token shared by all of them and refreshed before it expires, and a clean close.
 */
export class RealtimeClient implements TokenSource {
  readonly http: HttpApi;
  user: UserObject | null = null;
  private readonly opts: Required<Omit<ClientOptions, "WebSocket" | "fetch" | "fingerprint" | "baseUrl">> &
    Pick<ClientOptions, "WebSocket" | "fingerprint">;
  private wsToken: string | null = null;
  private wsEndpoint: string | null = null;
  private expiresAt: number | null = null;
  private stale = false;
  private refreshing: Promise<string> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private userStream: RtmSocket | null = null;
  private connecting: Promise<RtmSocket> | null = null;
  private readonly channels = new Map<number, RtmSocket>();
  private closed = false;
  private readonly onOnline = () => {
    for (const s of this.sockets()) s.retryNow();
  };

  constructor(options: ClientOptions = {}) {
    this.http = new HttpApi(options.baseUrl ?? defaultBase(), options.fetch);
    this.opts = {
      pingIntervalMs: options.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
      refreshMarginMs: options.refreshMarginMs ?? DEFAULTS.refreshMarginMs,
      authTimeoutMs: options.authTimeoutMs ?? DEFAULTS.authTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      random: options.random ?? Math.random,
      WebSocket: options.WebSocket,
      fingerprint: options.fingerprint,
    };
    // In a browser, coming back online retries at once instead of finishing the backoff wait.
    windowEvents()?.addEventListener("online", this.onOnline);
  }

  // --- session --------------------------------------------------------------------------------

  async signup(email: string, password: string, name: string): Promise<UserObject> {
    return (await this.http.createUser(email, password, name)).user;
  }

  /** user.login: keeps the bearer token for every later call. */
  async login(email: string, password: string): Promise<UserObject> {
    const { token, user } = await this.http.login(email, password);
    this.http.token = token;
    this.user = user;
    return user;
  }

  /** Uses a bearer token obtained elsewhere (e.g. kept in sessionStorage). */
  useAccessToken(token: string): void {
    this.http.token = token;
  }

  /**
   * rtm.connect, then the user stream; resolves once its ws_auth succeeded. Calling it again (a
   * second view, a React provider and hook) waits for the same connection; after a failure, the
   * next call tries again.
   */
  connect(): Promise<RtmSocket> {
    if (this.userStream?.state.state === "closed") {
      // Ended for good (e.g. the session expired and the app logged in again): start over.
      this.userStream = null;
      this.connecting = null;
    }
    if (!this.connecting) {
      this.connecting = (async () => {
        if (!this.wsEndpoint) await this.refresh();
        if (!this.userStream) this.userStream = this.open(this.wsEndpoint!, null);
        await this.userStream.ready();
        return this.userStream;
      })();
      this.connecting.catch(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  /** The user stream (after connect()). */
  get stream(): RtmSocket {
    if (!this.userStream) throw new Error("call connect() first");
    return this.userStream;
  }

  /** The socket of one channel, opened on first use; wait with `.ready()`. */
  channel(channelId: number): RtmSocket {
    let socket = this.channels.get(channelId);
    if (!socket || socket.state.state === "closed") {
      if (!this.wsEndpoint) throw new Error("call connect() first");
      const url = this.wsEndpoint.replace(/\/rtm\/ws\/user\/[^/]+$/, `/rtm/ws/channel/${channelId}`);
      socket = this.open(url, channelId);
      this.channels.set(channelId, socket);
    }
    return socket;
  }

  /** Closes one channel's socket. */
  leaveChannel(channelId: number): void {
    this.channels.get(channelId)?.close();
    this.channels.delete(channelId);
  }

  /** Clean close of every socket and timer. The client can be dropped afterwards. */
  close(): void {
    this.closed = true;
    windowEvents()?.removeEventListener("online", this.onOnline);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.userStream?.close();
    for (const s of this.channels.values()) s.close();
    this.channels.clear();
  }

  // --- ws token (TokenSource) -----------------------------------------------------------------

  current(): string | null {
    return this.wsToken;
  }

  markStale(): void {
    this.stale = true;
  }

  async fresh(): Promise<string> {
    const expiring = this.expiresAt !== null && this.expiresAt - this.opts.refreshMarginMs <= Date.now();
    if (this.wsToken && !this.stale && !expiring) return this.wsToken;
    return this.refresh();
  }

  /**
   * rtm.connect for a new ws token (single flight); live sockets get it by a second ws_auth, which
   * extends their expiry without reconnecting.
   */
  refresh(): Promise<string> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        try {
          const { rtm } = await this.http.rtmConnect(this.opts.fingerprint);
          this.useWsToken(rtm.ws_token, rtm.ws_endpoint);
          return rtm.ws_token;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  /** Uses a ws token obtained elsewhere; re-authenticates the live sockets with it. */
  useWsToken(token: string, endpoint?: string): void {
    this.wsToken = token;
    if (endpoint) this.wsEndpoint = endpoint;
    this.stale = false;
    this.expiresAt = tokenExpiry(token);
    this.scheduleRefresh();
    for (const s of this.sockets()) s.reauth(token);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (this.closed || this.expiresAt === null) return;
    // Timers longer than 2^31-1 ms fire at once; a day-long token is re-checked daily.
    const due = Math.min(2 ** 31 - 1, Math.max(1000, this.expiresAt - this.opts.refreshMarginMs - Date.now()));
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (this.closed) return;
      this.refresh().catch(() => {
        // Offline right now: sockets refresh again before their next attempt; retry in a while.
        if (!this.closed) this.refreshTimer = setTimeout(() => this.scheduleRefresh(), 5000);
      });
    }, due);
  }

  // --- internals ------------------------------------------------------------------------------

  private *sockets(): Generator<RtmSocket> {
    if (this.userStream) yield this.userStream;
    yield* this.channels.values();
  }

  private open(url: string, channelId: number | null): RtmSocket {
    const options: SocketOptions = {
      url,
      channelId,
      tokens: this,
      pingIntervalMs: this.opts.pingIntervalMs,
      authTimeoutMs: this.opts.authTimeoutMs,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      backoff: this.opts.backoff,
      random: this.opts.random,
      WebSocket: this.opts.WebSocket,
      loadAfter: (id, after) => this.messagesAfter(id, after),
      isFatal: (err) => err instanceof ApiCallError && err.status === 401,
    };
    return new RtmSocket(options).start();
  }

  /**
   * Every message after `afterId` (oldest first), as `complete`. The newest page instead, not
   * `complete`, when the app knew none or more than `maxPages` pages were missed: a client that
   * fell that far behind (the room caps a resume at RESUME_MAX_EVENTS for the same reason) shows
   * the present and lets the user scroll back, rather than walking the whole gap.
   */
  async messagesAfter(channelId: number, afterId: number, maxPages = 5): Promise<{ messages: MessageObject[]; complete: boolean }> {
    const newest = async () => ({ messages: (await this.http.history(channelId, { limit: 200 })).messages, complete: false });
    if (afterId <= 0) return newest();
    const out: MessageObject[] = [];
    let cursor = afterId;
    for (let page = 0; page < maxPages; page++) {
      const { messages, has_more } = await this.http.history(channelId, { after_id: cursor, limit: 200 });
      out.push(...messages);
      if (!has_more || messages.length === 0) return { messages: out, complete: true };
      cursor = messages[messages.length - 1]!.id;
    }
    return newest();
  }
}

export type { Resync, Status };
