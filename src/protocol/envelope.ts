import type { z } from "zod";
import type { EventName, eventPayloads } from "./wire";

/**
 * Server-to-client frames. An event is built once as an object (what filters look at) and
 * serialized once (what every socket is sent), so a broadcast never re-encodes per socket.
 */
export interface EventMeta {
  api: "v1";
  time: number;
  seq?: number;
}

export interface ServerEvent<P = Record<string, unknown>> {
  meta: EventMeta;
  event: string;
  payload: P;
}

export interface OutFrame {
  event: ServerEvent;
  text: string;
}

/** The payload an event's schema accepts (docs/protocol.md#events): one schema per event name. */
export type EventPayload<N extends EventName> = z.input<(typeof eventPayloads)[N]>;

/** An event name with its payload, for code that passes events along (user stream announcements). */
export type AnyEvent = { [N in EventName]: { event: N; payload: EventPayload<N> } }[EventName];

export function buildEvent<N extends EventName>(event: N, payload: EventPayload<N>, time: number, seq?: number): OutFrame {
  const meta: EventMeta = seq === undefined ? { api: "v1", time } : { api: "v1", time, seq };
  const built: ServerEvent = { meta, event, payload: payload as Record<string, unknown> };
  return { event: built, text: JSON.stringify(built) };
}

/** Rebuilds a frame from its stored text (the event log keeps the exact bytes sent). */
export function frameFromText(text: string): OutFrame {
  return { event: JSON.parse(text) as ServerEvent, text };
}

export type CorrelationId = string | number | null;

/** iSymphony reply shapes; never filtered. */
export function successReply(correlationId: CorrelationId, time: number): string {
  return JSON.stringify({ correlationId, time, type: "success" });
}

export function errorReply(correlationId: CorrelationId, error: string, time: number): string {
  return JSON.stringify({ correlationId, error, time, type: "error" });
}

export const PONG = '{"event":"pong"}';
/** The exact frame the runtime answers by itself (setWebSocketAutoResponse), never waking the room. */
export const AUTO_PING = '{"command":"ws_ping"}';
