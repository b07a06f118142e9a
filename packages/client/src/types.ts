/**
 * Types an application works with, composed from the generated protocol types (protocol.ts, from
 * the server's zod schemas): nothing here restates a field of the wire.
 */
import type { CommandName, CommandParamsMap, EventMeta, EventName, EventPayloads } from "./protocol.js";

/** A server frame: `{ meta, event, payload }`. */
export interface ServerEvent<P = Record<string, unknown>> {
  meta: EventMeta;
  event: string;
  payload: P;
}

/** A decoded server event; `payload` is typed when the name is known. */
export type RtmEvent<K extends EventName = EventName> = ServerEvent<EventPayloads[K]> & { event: K };

/** Commands an application sends itself (auth, resume, ping and filters are the client's job). */
export type AppCommand = Exclude<CommandName, "ws_auth" | "ws_resume" | "ws_ping" | "ws_filter">;

/** Parameters of a command as a client may send them (ids as numbers or strings). */
export type CommandParams<K extends CommandName> = CommandParamsMap[K];
