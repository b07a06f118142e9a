import type { Config } from "../config";
import { log } from "../ops/log";
import { CloseCode } from "../protocol/closeCodes";
import { type DecodeLimits, decodeFrame } from "../protocol/codec";
import { type Command, PRE_AUTH_COMMANDS } from "../protocol/commands";
import { type CorrelationId, PONG, errorReply, successReply } from "../protocol/envelope";
import { type FilterSpec, compileFilters } from "../protocol/filters";
import type { Clock } from "./clock";
import { type Conn, takeToken } from "./conn";
import { CommandError } from "./errors";
import { ATTACHMENT_LIMIT_BYTES, attachmentFits } from "./session";

const FILTERS_TOO_LARGE = `filters too large: the connection's saved state is limited to ${ATTACHMENT_LIMIT_BYTES} bytes`;

export function decodeLimits(config: Config): DecodeLimits {
  return { frameLimitBytes: config.frameLimitBytes, maxFilters: config.maxFilters, maxFilterValueLength: config.maxFilterValueLength };
}

/** What a socket's frames need of its room. */
export interface FrameHost {
  readonly config: Config;
  readonly clock: Clock;
  readonly limits: DecodeLimits;
  readonly counted: { in: number };
  label(): string;
  close(ws: WebSocket, conn: Conn, code: number, reason: string): Promise<void>;
  send(ws: WebSocket, text: string): void;
  persist(ws: WebSocket, conn: Conn): void;
  authenticate(ws: WebSocket, conn: Conn, token: string): Promise<void>;
  command(ws: WebSocket, conn: Conn, command: Command): Promise<void> | void;
}

/**
 * One frame from a client: decoded within the limits, charged to the connection's rate limit,
 * refused before auth unless it may come first; ws_auth, ws_ping and ws_filter are answered here,
 * every other command by the room (a CommandError thrown there is the error reply).
 */
export async function handleFrame(h: FrameHost, ws: WebSocket, conn: Conn, message: string | ArrayBuffer): Promise<void> {
  if (conn.closed) return;
  h.counted.in++;
  const now = h.clock.now();
  const decoded = decodeFrame(message, h.limits);
  if (decoded.kind === "close") return h.close(ws, conn, decoded.close.code, decoded.close.reason);
  if (!takeToken(conn, now, h.config.commandRatePerSec, h.config.commandBurst)) {
    return h.close(ws, conn, CloseCode.RateLimited, "rate limit exceeded");
  }
  touch(h, ws, conn, now);
  if (decoded.kind === "pong") return;

  const name = decoded.kind === "command" ? decoded.command.command : decoded.name;
  if (conn.s.uid === null && !PRE_AUTH_COMMANDS.has(name)) {
    return h.close(ws, conn, CloseCode.PolicyViolation, "authenticate first");
  }
  if (decoded.kind === "invalid") {
    if (name === "ws_auth") return h.close(ws, conn, CloseCode.AuthFailed, "authentication failed");
    h.send(ws, errorReply(decoded.correlationId, decoded.error, now));
    return;
  }

  const { command, correlationId } = decoded;
  switch (command.command) {
    case "ws_auth":
      return h.authenticate(ws, conn, command.auth_token); // rtm.ready answers it, whatever the correlationId
    case "ws_ping":
      h.send(ws, PONG);
      return;
    case "ws_filter":
      return setFilters(h, ws, conn, command.filters, correlationId, now);
    default:
      try {
        await h.command(ws, conn, command);
        if (correlationId !== null) h.send(ws, successReply(correlationId, h.clock.now()));
      } catch (err) {
        if (!(err instanceof CommandError)) {
          log("error", "command failed", { room: h.label(), cid: conn.s.cid, user_id: conn.s.uid, command: command.command, err: String(err) });
        }
        const text = err instanceof CommandError ? err.message : "internal error";
        h.send(ws, errorReply(correlationId, text, h.clock.now()));
      }
  }
}

function touch(h: FrameHost, ws: WebSocket, conn: Conn, now: number): void {
  // Re-serializing the attachment on every frame would cost more than a one-second error in a
  // 25-second liveness check.
  if (now - conn.s.seen >= 1000) {
    conn.s.seen = now;
    h.persist(ws, conn);
  }
}

/**
 * Replaces the connection's filters, or keeps the old ones and replies an error when the new
 * ones would not fit the socket attachment (docs/protocol.md "Filters"): a session the runtime
 * refuses to save would lose its filters on hibernation and fail every later save.
 */
function setFilters(h: FrameHost, ws: WebSocket, conn: Conn, filters: FilterSpec[], correlationId: CorrelationId, now: number): void {
  const next = filters.length ? filters : null;
  if (!attachmentFits({ ...conn.s, filters: next })) {
    h.send(ws, errorReply(correlationId, FILTERS_TOO_LARGE, now));
    return;
  }
  const previous = { filters: conn.s.filters, matcher: conn.matcher };
  conn.s.filters = next;
  conn.matcher = compileFilters(next);
  try {
    h.persist(ws, conn);
  } catch (err) {
    conn.s.filters = previous.filters;
    conn.matcher = previous.matcher;
    log("error", "filters not saved", { room: h.label(), cid: conn.s.cid, err: String(err) });
    h.send(ws, errorReply(correlationId, FILTERS_TOO_LARGE, now));
    return;
  }
  h.send(ws, successReply(correlationId, now));
}
