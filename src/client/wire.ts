/**
 * What travels on the wire, typed for clients. Commands, the envelope and the domain objects all
 * come from the modules the server uses (src/protocol; objects from the zod schemas in wire.ts,
 * the same ones the AsyncAPI document is generated from). Type-only imports: no zod in the bundle.
 */
import type { z } from "zod";
import type { CommandName, commandSchemas } from "../protocol/commands";
import type { ServerEvent } from "../protocol/envelope";
import type { FilterSpec } from "../protocol/filters";
import type { UserObject } from "../protocol/objects";
import type * as wire from "../protocol/wire";

export type { CommandName, FilterSpec, ServerEvent, UserObject };

/** Parameters of a command as a client may send them (ids as numbers or strings). */
export type CommandParams<K extends CommandName> = Omit<z.input<(typeof commandSchemas)[K]>, "correlationId">;

/** Commands an application sends itself (auth, resume, ping and filters are the client's job). */
export type AppCommand = Exclude<CommandName, "ws_auth" | "ws_resume" | "ws_ping" | "ws_filter">;

export type MessageObject = z.output<typeof wire.MessageObject>;

export type MemberObject = z.output<typeof wire.MemberObject>;

export type ChannelObject = z.output<typeof wire.ChannelObject>;

export type LockObject = z.output<typeof wire.LockObject>;

export type AlertObject = z.output<typeof wire.AlertObject>;

export interface UnreadCount {
  total_unread_count: number;
  channel_id: number;
  channel_unread_count: number;
  oldest_unread_message_id: number;
}

/** Payload of each event name SPEC §4 lists (plus the protocol's own). */
export interface EventPayloads {
  "rtm.ready": { connection_id: string; user_id: number; channel_id?: number; epoch?: string; seq?: number };
  "rtm.resumed": { recovered: boolean; seq: number };
  ping: Record<string, never>;
  "chat.postMessage": { message: MessageObject };
  "chat.updateMessage": { message: MessageObject };
  "chat.deleteMessage": { message_id: number; channel_id: number };
  "chat.userTyping": { user: UserObject; channel_id: number };
  "chat.unreadCountUpdate": UnreadCount;
  "channel.create": { channel: ChannelObject };
  "channel.update": { channel: ChannelObject };
  "channel.remove": { channel_id: number };
  "user_added.channel": { channel_id: number; user: UserObject };
  "user_removed.channel": { channel_id: number; removed_user_id: number; removed_by_user_id: number };
  "user.online": { user: UserObject; channel_id: number };
  "user.offline": { user: UserObject; channel_id: number };
  "user.profileUpdate": { user: UserObject; channel_id: number };
  "alert.notification": AlertObject;
  "action.create": { action: Record<string, unknown>; channel_id: number };
  "lock.acquire": LockObject;
  "lock.release": LockObject;
}

export type EventName = keyof EventPayloads;

/** A decoded server event; `payload` is typed when the name is known. */
export type RtmEvent<K extends EventName = EventName> = ServerEvent<EventPayloads[K]> & { event: K };

/** iSymphony reply shapes (answers to commands that carried a correlationId). */
export interface SuccessReply {
  correlationId: string | number | null;
  time: number;
  type: "success";
}
export interface ErrorReply {
  correlationId: string | number | null;
  error: string;
  time: number;
  type: "error";
}
