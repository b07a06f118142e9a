import { z } from "zod";
import { ActionObject, AlertObject, ChannelObject, LockObject, MemberObject, MessageObject, SessionObject, UserObject } from "../protocol/wire";
import * as P from "./schemas";

/**
 * Every HTTP route with its parameter schema (the same object the handler validates with) and its
 * success body. The OpenAPI document is generated from this list, and a test checks that the app's
 * routes and this list are the same set, so neither can drift.
 */
export interface RouteSpec {
  name: string;
  /** read routes accept GET and POST; write routes POST only */
  kind: "read" | "write";
  auth: "bearer" | "none" | "operator";
  summary: string;
  params: z.ZodType;
  response: z.ZodObject;
}

const OkMeta = z.object({ ok: z.literal(true) });
const ok = <S extends z.ZodRawShape>(shape: S) => z.object({ meta: OkMeta, ...shape });
const None = z.object({});
const Settings = z.object({ invites_from: P.InvitesFrom }).meta({ id: "Settings" });

export const ErrorEnvelope = z
  .object({ meta: z.object({ ok: z.literal(false), error: z.string(), code: z.string() }) })
  .catchall(z.string().describe("422: each failing field repeated with its message"))
  .meta({ id: "Error" });

export const routes: RouteSpec[] = [
  { name: "user.create", kind: "write", auth: "none", summary: "Sign up", params: P.UserCreate, response: ok({ user: UserObject }) },
  {
    name: "user.login",
    kind: "write",
    auth: "none",
    summary: "Log in: a bearer token (24 h) for a new session (see user.sessions). Three consecutive failures lock the account 10 s, doubling.",
    params: P.UserLogin,
    response: ok({ token: z.string(), user: UserObject }),
  },
  { name: "user.info", kind: "read", auth: "bearer", summary: "The caller", params: None, response: ok({ user: UserObject }) },
  {
    name: "user.sessions",
    kind: "read",
    auth: "bearer",
    summary: "The caller's live sessions (one per login), newest first; the token's own is `current`",
    params: None,
    response: ok({ sessions: z.array(SessionObject) }),
  },
  {
    name: "user.logout",
    kind: "write",
    auth: "bearer",
    summary: "End the current session: its tokens get 401, its sockets close 4001 \"session revoked\"",
    params: None,
    response: ok({}),
  },
  {
    name: "user.session.revoke",
    kind: "write",
    auth: "bearer",
    summary: "End one of the caller's sessions (404 for any id that is not one of them)",
    params: P.SessionRevoke,
    response: ok({}),
  },
  {
    name: "user.logout.all",
    kind: "write",
    auth: "bearer",
    summary: "End every session of the caller but the current one; `ended` counts them",
    params: None,
    response: ok({ ended: z.number().int() }),
  },
  {
    name: "user.password.change",
    kind: "write",
    auth: "bearer",
    summary: "Change the password (422: new one breaks the rules; 401: wrong current one, counted like a failed login); ends every other session",
    params: P.PasswordChange,
    response: ok({ ended: z.number().int() }),
  },
  {
    name: "user.delete",
    kind: "write",
    auth: "bearer",
    summary: "Delete the account (401 without the right password): leaves every channel, ends every session; messages stay under \"Deleted user\"; the email can sign up again",
    params: P.UserDelete,
    response: ok({}),
  },
  {
    name: "rtm.connect",
    kind: "read",
    auth: "bearer",
    summary: "The user stream URL and a ws_token (1 h) that opens any of the user's sockets",
    params: P.RtmConnect,
    response: ok({ rtm: z.object({ ws_endpoint: z.string(), ws_token: z.string() }) }),
  },
  {
    name: "channel.create",
    kind: "write",
    auth: "bearer",
    summary: "Create a channel owned by the caller, with invitees by email or id",
    params: P.ChannelCreate,
    response: ok({ channel: ChannelObject }),
  },
  { name: "channel.info", kind: "read", auth: "bearer", summary: "One channel", params: P.ChannelRef, response: ok({ channel: ChannelObject }) },
  { name: "channel.list", kind: "read", auth: "bearer", summary: "The caller's channels", params: None, response: ok({ channels: z.array(ChannelObject) }) },
  {
    name: "channel.members",
    kind: "read",
    auth: "bearer",
    summary: "Members with their roles",
    params: P.ChannelRef,
    response: ok({ members: z.array(MemberObject) }),
  },
  {
    name: "channel.history",
    kind: "read",
    auth: "bearer",
    summary: "A page of messages, oldest → newest (newest page by default)",
    params: P.ChannelHistory,
    response: ok({ messages: z.array(MessageObject), has_more: z.boolean() }),
  },
  {
    name: "chat.postmessage",
    kind: "write",
    auth: "bearer",
    summary: "Post a message (text ≤ 16 KiB of UTF-8; parent_message_id quotes a message)",
    params: P.ChatPost,
    response: ok({ message: MessageObject }),
  },
  {
    name: "channel.adduser",
    kind: "write",
    auth: "bearer",
    summary: "Owner adds a user by email or user_id (user_added.channel, channel.update, bot message; channel.create on their stream)",
    params: P.ChannelAddUser,
    response: ok({ channel: ChannelObject }),
  },
  {
    name: "channel.kick",
    kind: "write",
    auth: "bearer",
    summary: "Owner removes a member (user_removed.channel; their sockets close 4003)",
    params: P.ChannelKick,
    response: ok({ channel: ChannelObject }),
  },
  {
    name: "channel.leave",
    kind: "write",
    auth: "bearer",
    summary: "The caller leaves (an owner leaving hands ownership to the longest-standing member; the last member leaving removes the channel)",
    params: P.ChannelRef,
    response: ok({}),
  },
  { name: "channel.rename", kind: "write", auth: "bearer", summary: "Owner renames the channel", params: P.ChannelRename, response: ok({ channel: ChannelObject }) },
  { name: "channel.update", kind: "write", auth: "bearer", summary: "Owner updates the channel (name)", params: P.ChannelRename, response: ok({ channel: ChannelObject }) },
  {
    name: "channel.remove",
    kind: "write",
    auth: "bearer",
    summary: "Owner removes the channel (channel.remove; its sockets close 4004; its routes answer 404)",
    params: P.ChannelRef,
    response: ok({}),
  },
  {
    name: "user.profile.set",
    kind: "write",
    auth: "bearer",
    summary: "Update display name and avatar flag (user.profileUpdate in every channel of the user)",
    params: P.ProfileSet,
    response: ok({ user: UserObject }),
  },
  {
    name: "user.settings",
    kind: "read",
    auth: "bearer",
    summary: "The caller's settings",
    params: None,
    response: ok({ settings: Settings }),
  },
  {
    name: "user.settings.set",
    kind: "write",
    auth: "bearer",
    summary:
      "Change the caller's settings. invites_from: shared_channels refuses (403 invite_refused) channel.create and channel.adduser from anyone who shares no channel with the caller",
    params: P.SettingsSet,
    response: ok({ settings: Settings }),
  },
  {
    name: "system.info",
    kind: "read",
    auth: "operator",
    summary:
      "Operator view from the sharded stats objects: version, live connections, messages in/out and rates, alarms pending, how fresh (rooms=1: the busiest rooms)",
    params: P.SystemInfo,
    response: ok({
      system: z.object({
        version: z.string(),
        environment: z.string(),
        live_connections: z.number().int(),
        rooms_with_connections: z.number().int(),
        messages_in: z.number().int(),
        messages_out: z.number().int(),
        messages_in_per_sec: z.number(),
        messages_out_per_sec: z.number(),
        alarms_pending: z.number().int(),
        rooms_known: z.number().int(),
        as_of: z.number().int().describe("ms since the epoch when the figures were read"),
        oldest_report_age_ms: z.number().int().nullable().describe("age of the oldest room report counted (null: no rooms)"),
        stale_after_ms: z.number().int().describe("rooms silent this long are no longer counted (STATS_SILENCE_MS)"),
        shards: z.number().int(),
        shards_unavailable: z.number().int(),
        rooms: z
          .array(
            z.object({
              room: z.string(),
              connections: z.number().int(),
              messages_in: z.number().int(),
              messages_out: z.number().int(),
              alarm_at: z.number().int().nullable(),
              at: z.number().int(),
            }),
          )
          .optional(),
      }),
    }),
  },
  {
    name: "system.directory",
    kind: "write",
    auth: "operator",
    summary:
      "Operator consistency check of the D1 directory against the channel rooms (repair=1: rewrite each differing entry from its room)",
    params: P.SystemDirectory,
    response: ok({
      channels: z.array(
        z.object({
          channel_id: z.number().int(),
          found: z.boolean(),
          in_sync: z.boolean(),
          backlog: z.number().int(),
          missing: z.array(z.number().int()),
          extra: z.array(z.number().int()),
          wrong_role: z.array(z.number().int()),
          name_differs: z.boolean(),
          removed_differs: z.boolean(),
          repaired: z.boolean(),
        }),
      ),
    }),
  },
  // --- message life (issue 4) -------------------------------------------------------------------
  {
    name: "chat.updatemessage",
    kind: "write",
    auth: "bearer",
    summary: "Edit a message's text (its author only; text ≤ 16 KiB of UTF-8); chat.updateMessage with is_edited",
    params: P.ChatUpdate,
    response: ok({ message: MessageObject }),
  },
  {
    name: "chat.deletemessage",
    kind: "write",
    auth: "bearer",
    summary: "Delete a message (its author or the channel owner); history leaves it out; chat.deleteMessage",
    params: P.ChatDelete,
    response: ok({}),
  },
  {
    name: "chat.reactmessage",
    kind: "write",
    auth: "bearer",
    summary: "Add (idempotent) or remove (remove: true/1) the caller's reaction; the message as it now is",
    params: P.ChatReact,
    response: ok({ message: MessageObject }),
  },
  { name: "user.alerts", kind: "read", auth: "bearer", summary: "The caller's alerts, newest first (at most 100)", params: None, response: ok({ alerts: z.array(AlertObject) }) },
  { name: "user.alert.ack", kind: "write", auth: "bearer", summary: "Mark one of the caller's alerts read", params: P.AlertAck, response: ok({}) },
  {
    name: "action.create",
    kind: "write",
    auth: "bearer",
    summary: "Create an action in a channel; action.create",
    params: P.ActionCreate,
    response: ok({ action: ActionObject }),
  },
  {
    name: "lock.acquire",
    kind: "write",
    auth: "bearer",
    summary: "Lock a path (TTL 1–3600 s, default 600); 409 while another user holds it; the holder re-acquiring refreshes it",
    params: P.LockAcquire,
    response: ok({ lock: LockObject }),
  },
  {
    name: "lock.refresh",
    kind: "write",
    auth: "bearer",
    summary: "Extend a lock's lease (holder only; ttl_seconds defaults to the lock's original TTL)",
    params: P.LockRefresh,
    response: ok({ lock: LockObject }),
  },
  {
    name: "lock.release",
    kind: "write",
    auth: "bearer",
    summary: "Release a lock (its holder or the channel owner); lock.release",
    params: P.LockRelease,
    response: ok({}),
  },
];

export function routeByName(name: string): RouteSpec | undefined {
  return routes.find((r) => r.name === name);
}
