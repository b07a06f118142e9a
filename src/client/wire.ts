/**
 * What travels on the wire, typed for clients. Commands and the envelope come from the very
 * modules the server uses (src/protocol); the domain objects below mirror the seed's shapes and a
 * type test (test/unit/client-types.test.ts) keeps them assignable from the server's own types, so
 * the client never needs the server's storage types in a browser bundle.
 */
import type { z } from "zod";
import type { CommandName, commandSchemas } from "../protocol/commands";
import type { ServerEvent } from "../protocol/envelope";
import type { FilterSpec } from "../protocol/filters";
import type { UserObject } from "../protocol/objects";

export type { CommandName, FilterSpec, ServerEvent, UserObject };

/** Parameters of a command as a client may send them (ids as numbers or strings). */
export type CommandParams<K extends CommandName> = Omit<z.input<(typeof commandSchemas)[K]>, "correlationId">;

/** Commands an application sends itself (auth, resume, ping and filters are the client's job). */
export type AppCommand = Exclude<CommandName, "ws_auth" | "ws_resume" | "ws_ping" | "ws_filter">;

export interface MessageObject {
  id: number;
  user_id: number;
  channel_id: number;
  display_name: string;
  content: string | object;
  attachments: unknown[];
  message_type: number;
  is_edited: boolean;
  parent_message: unknown;
  emoticons: { uid: number; dn: string; ev: string }[];
  created_on: string;
  created_on_ts: number;
  read_user_count: number;
  read_users: number[];
}

export interface MemberObject extends UserObject {
  user_role: number;
}

export interface ChannelObject {
  id: number;
  channel_name: string;
  created_by: number;
  created_on: string;
  created_on_ts: number;
  last_active_on: string;
  last_active_on_ts: number;
  latest_message: MessageObject | null;
  members: MemberObject[];
}

export interface LockObject {
  lock_id: number;
  channel_id: number;
  user_id: number;
  path: string;
  expires_on_ts?: number;
}

export interface AlertObject {
  alert_id: number;
  from: UserObject[];
  message_id: number;
  alert_text: string;
  channel_id: number;
  is_read: boolean;
  created_on_ts?: number;
}

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
