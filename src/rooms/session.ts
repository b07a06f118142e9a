import type { FilterSpec } from "../protocol/filters";

/**
 * What a connection must remember across hibernation, kept in the socket attachment (the runtime
 * caps an attachment at 16 KiB of its structured-clone encoding: see attachmentFits). Two parts,
 * as partyserver's connection splits its attachment into the framework's and the app's: the
 * socket layer's own fields (SocketSession, written by rooms/*) and the fields a room kind adds
 * (RoomSessionFields, written by that room's code). Both are declared here so every key of the
 * attachment is known in one place and none is reused; they are stored as one flat object with
 * short keys, because it is re-serialized whenever it changes and attachments saved by an
 * earlier version must still read.
 */
export type Session = SocketSession & RoomSessionFields;

/** The socket layer's part of the attachment. */
export interface SocketSession {
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

/** The room kinds' part of the attachment: optional, since a connection of another kind has none. */
export interface RoomSessionFields {
  /**
   * A channel connection's live start (room and shard): the seq its first `rtm.ready` announced.
   * Every durable event above it reaches the connection live, so a resume replays only up to it
   * (channel/eventStream.ts). Absent until then, and in attachments saved before it existed.
   */
  ls?: number;
}

/** Where the connection's live stream began (undefined: not begun, or an attachment from before). */
export function liveStart(s: Session): number | undefined {
  return s.ls;
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

/** The runtime's cap on a socket attachment: bytes of V8's structured-clone encoding. */
export const ATTACHMENT_LIMIT_BYTES = 16 * 1024;

/**
 * Kept free when a session takes new filters, for the fields that may still grow afterwards (a
 * longer display name on re-auth, larger numbers): a session that fits now keeps fitting.
 */
export const ATTACHMENT_HEADROOM_BYTES = 512;

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * Bytes of V8's structured-clone encoding of a JSON-like value, what the runtime measures an
 * attachment by, never less than the real size: Latin-1 text costs 1 byte per character and other
 * text 2 (plus a tag, a length and possibly an alignment byte); every number is counted as a double.
 */
function valueBytes(v: unknown): number {
  if (typeof v === "string") {
    const bytes = isLatin1(v) ? v.length : 2 * v.length;
    return 2 + varintBytes(bytes) + bytes;
  }
  if (typeof v === "number") return 9;
  if (v === null || typeof v !== "object") return 1;
  if (Array.isArray(v)) {
    let sum = 3 + 2 * varintBytes(v.length);
    for (const e of v) sum += valueBytes(e);
    return sum;
  }
  const entries = Object.entries(v);
  let sum = 2 + varintBytes(entries.length);
  for (const [k, e] of entries) sum += valueBytes(k) + valueBytes(e);
  return sum;
}

export function encodedBytes(v: unknown): number {
  return 2 + valueBytes(v); // format header
}

/** Whether a session fits the attachment cap with room to spare (ATTACHMENT_HEADROOM_BYTES). */
export function attachmentFits(s: Session): boolean {
  return encodedBytes(s) + ATTACHMENT_HEADROOM_BYTES <= ATTACHMENT_LIMIT_BYTES;
}
