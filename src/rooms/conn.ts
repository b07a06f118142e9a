import type { CloseDecision } from "../protocol/closeCodes";
import { type Matcher, compileFilters } from "../protocol/filters";
import { type Session, readSession } from "./session";

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

/** A connection as it starts: a full token bucket, its session's filters compiled. */
function freshConn(ws: WebSocket, s: Session, now: number, burst: number): Conn {
  const matcher = compileFilters(s.filters);
  return { ws, s, matcher, tokens: burst, refilled: now, queue: Promise.resolve(), closed: false };
}

/** Takes one frame's token from the bucket after refilling it for the time passed; false when empty. */
export function takeToken(conn: Conn, now: number, ratePerSec: number, burst: number): boolean {
  conn.tokens = Math.min(burst, conn.tokens + ((now - conn.refilled) / 1000) * ratePerSec);
  conn.refilled = now;
  if (conn.tokens < 1) return false;
  conn.tokens -= 1;
  return true;
}

/**
 * Every socket's Conn, closed ones included (so a late close event is recognised as done), made
 * from the attachment the first time a socket is seen after a wake-up.
 */
export class ConnTable {
  private readonly conns = new WeakMap<WebSocket, Conn>();

  constructor(private readonly burst: number) {}

  /** A socket just accepted with its new session. */
  add(ws: WebSocket, s: Session, now: number): Conn {
    const conn = freshConn(ws, s, now, this.burst);
    this.conns.set(ws, conn);
    return conn;
  }

  /** The socket's Conn; null for a socket without a session of ours. */
  get(ws: WebSocket, now: () => number): Conn | null {
    const conn = this.conns.get(ws);
    if (conn) return conn;
    const s = readSession(ws);
    return s ? this.add(ws, s, now()) : null;
  }
}
