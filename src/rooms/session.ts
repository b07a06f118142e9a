import type { FilterSpec } from "../protocol/filters";

/**
 * What a connection must remember across hibernation, kept in the socket attachment (the runtime
 * caps an attachment at 16 KiB; 32 filters of at most 128+128 characters stay under 10 KiB).
 * Short keys because it is re-serialized whenever it changes.
 */
export interface Session {
  v: 1;
  /** connection id */
  cid: string;
  /** authenticated user, null until ws_auth succeeds */
  uid: number | null;
  /** the login session of the connection's latest token (0 until ws_auth succeeds) */
  sid: number;
  /** display name from the token, for events about this connection's user */
  name: string;
  /** auth deadline (ms); 0 once authenticated */
  ad: number;
  /** token expiry (ms) */
  exp: number;
  /** last frame seen from the client (ms, refreshed at most once a second) */
  seen: number;
  filters: FilterSpec[] | null;
  /** ws_resume used (allowed once per connection) */
  resumed: boolean;
}

export function newSession(now: number, authDeadlineMs: number): Session {
  return {
    v: 1,
    cid: crypto.randomUUID(),
    uid: null,
    sid: 0,
    name: "",
    ad: now + authDeadlineMs,
    exp: 0,
    seen: now,
    filters: null,
    resumed: false,
  };
}

export function readSession(ws: WebSocket): Session | null {
  const raw = ws.deserializeAttachment() as Partial<Session> | null;
  return raw && raw.v === 1 ? (raw as Session) : null;
}
