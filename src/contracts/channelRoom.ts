import type { z } from "zod";
import type { Command } from "../protocol/commands";
import type { UserProfile } from "../protocol/objects";
import type * as wire from "../protocol/wire";
import type { Result } from "./result";
import type { ShardHostRpc } from "./channelShard";
import type { SocketRoomRpc } from "./socketRoom";

/** The seed's message object (schema: src/protocol/wire.ts). `content` is returned verbatim. */
export type MessageObject = z.output<typeof wire.MessageObject>;
export type MemberObject = z.output<typeof wire.MemberObject>;
export type ChannelObject = z.output<typeof wire.ChannelObject>;
export type ActionObject = z.output<typeof wire.ActionObject>;
export type LockObject = z.output<typeof wire.LockObject>;

export interface CreateChannelInput {
  id: number;
  channel_name: string;
  created_on: number;
  owner: UserProfile;
  invitees: UserProfile[];
}

export interface HistoryQuery {
  before_id?: number;
  after_id?: number;
  limit: number;
}

export interface NewActionInput {
  action_name: string;
  action_desc?: string;
  action_type?: number;
  due_on?: number;
}

export interface ServerLogPage {
  channel_id: number;
  /** the exact frames of the log (JSON text: RPC carries them without re-typing) */
  frames: string[];
  last_seq: number;
  has_more: boolean;
}

export interface DirectoryReport {
  channel_id: number;
  /** the directory agrees with the room */
  in_sync: boolean;
  /** changes in the room's outbox not yet applied to D1 */
  backlog: number;
  /** members the directory lacks, users it lists who are not members, members with another role */
  missing: number[];
  extra: number[];
  wrong_role: number[];
  name_differs: boolean;
  removed_differs: boolean;
  repaired: boolean;
}

export type HistoryPage = { messages: MessageObject[]; has_more: boolean };

/**
 * A channel's room as the worker and the user rooms call it (src/channel/ChannelRoom.ts). `userId`
 * is the caller; every method answers the channel rules' failures as values.
 */
export interface ChannelRoomRpc extends SocketRoomRpc, ShardHostRpc {
  // the worker's channel routes
  create(input: CreateChannelInput): Promise<Result<ChannelObject>>;
  info(userId: number): Promise<Result<ChannelObject>>;
  members(userId: number): Promise<Result<MemberObject[]>>;
  history(userId: number, q: HistoryQuery): Promise<Result<HistoryPage>>;
  post(userId: number, input: { text: string; parent_message_id?: number }): Promise<Result<{ message: MessageObject }>>;
  addUser(byUserId: number, target: UserProfile): Promise<Result<ChannelObject>>;
  kick(byUserId: number, targetId: number): Promise<Result<ChannelObject>>;
  leave(userId: number): Promise<Result<null>>;
  rename(byUserId: number, name: string): Promise<Result<ChannelObject>>;
  remove(byUserId: number): Promise<Result<null>>;
  updateMessage(userId: number, input: { message_id: number; text: string }): Promise<Result<{ message: MessageObject }>>;
  deleteMessage(userId: number, input: { message_id: number }): Promise<Result<null>>;
  reactMessage(userId: number, input: { message_id: number; emoji_value: string; remove: boolean }): Promise<Result<{ message: MessageObject }>>;
  createAction(userId: number, input: NewActionInput): Promise<Result<{ action: ActionObject }>>;
  acquireLock(userId: number, input: { path: string; ttl_seconds: number }): Promise<Result<LockObject>>;
  refreshLock(userId: number, input: { lock_id: number; ttl_seconds?: number }): Promise<Result<LockObject>>;
  releaseLock(userId: number, input: { lock_id: number }): Promise<Result<null>>;
  // account and operator changes
  userDeleted(userId: number): Promise<Result<null>>;
  profileChanged(profile: UserProfile): Promise<Result<null>>;
  directoryCheck(repair: boolean): Promise<Result<DirectoryReport>>;
  // the server API (a key acts as the bot, with an owner's rights)
  serverInfo(): Promise<Result<ChannelObject>>;
  serverMembers(): Promise<Result<MemberObject[]>>;
  serverHistory(q: HistoryQuery): Promise<Result<HistoryPage>>;
  serverPost(botName: string, text: string): Promise<Result<{ message: MessageObject }>>;
  serverUpdateMessage(input: { message_id: number; text: string }): Promise<Result<{ message: MessageObject }>>;
  serverDeleteMessage(input: { message_id: number }): Promise<Result<null>>;
  serverAddUser(target: UserProfile): Promise<Result<ChannelObject>>;
  serverKick(targetId: number): Promise<Result<ChannelObject | null>>;
  serverLog(after: number, limit: number): Promise<Result<ServerLogPage>>;
  // from the user rooms
  /** A channel command sent on the user's stream. */
  userCommand(userId: number, command: Command): Promise<Result<null>>;
  /** The user's global presence changed (`v` orders transitions). */
  presenceChanged(userId: number, online: boolean, v: number, at: number): Promise<void>;
}
