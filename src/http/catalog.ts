import { z } from "zod";
import { ActionObject, AlertObject, ChannelObject, LockObject, MemberObject, MessageObject, SessionObject, UserObject } from "../protocol/wire";
import * as P from "./schemas";
import { KeyObject, type Scope } from "../server/keys";
import * as S from "./serverSchemas";
import { EndpointObject } from "../webhooks/endpoints";
import * as W from "./pushSchemas";

/**
 * Every HTTP route with its parameter schema and its success body. The router is built from this
 * list (register.ts: methods, credential, parameter validation with this very schema) and so is the
 * OpenAPI document, so the two cannot drift; each route's handler is looked up by its name in a map
 * the compiler checks against this list (routeHandler.ts).
 */
export interface RouteSpec {
  name: string;
  /** read routes accept GET and POST; write routes POST only */
  kind: "read" | "write";
  auth: "bearer" | "none" | "operator" | "server";
  /** the scope a server API key needs (auth "server") */
  scope?: Scope;
  /** counted against the client address's limit (ipLimit.ts) before anything else: routes an attacker would hammer */
  ipLimit?: true;
  summary: string;
  params: z.ZodType;
  response: z.ZodObject;
  /** A request in the seeds' shapes (the document's operation example; a test validates it). */
  example: Record<string, unknown>;
  /** Success-body fields that are not wire objects (wire objects bring their own examples). */
  exampleResponse?: Record<string, unknown>;
}

const OkMeta = z.object({ ok: z.literal(true) });
const ok = <S extends z.ZodRawShape>(shape: S) => z.object({ meta: OkMeta, ...shape });
/** The schema of routes without parameters: register.ts reads their body (400/413/415) but validates nothing. */
export const NoParams = z.object({});
const None = NoParams;
export const Settings = z.object({ invites_from: P.InvitesFrom }).meta({ id: "Settings", examples: [{ invites_from: "anyone" }] });

export const ErrorEnvelope = z
  .object({ meta: z.object({ ok: z.literal(false), error: z.string(), code: z.string() }) })
  .catchall(z.string().describe("422: each failing field repeated with its message"))
  .meta({ id: "Error" });

const catalog = [
  { name: "user.create", kind: "write", auth: "none", ipLimit: true, summary: "Sign up", params: P.UserCreate, example: { email: "test1@test.com", password: "password1", name: "Test 1" }, response: ok({ user: UserObject }) },
  {
    name: "user.login",
    kind: "write",
    auth: "none",
    ipLimit: true,
    summary: "Log in: a bearer token (24 h) for a new session (see user.sessions). Three consecutive failures lock the account 10 s, doubling.",
    params: P.UserLogin,
    example: { email: "test1@test.com", password: "password1" },
    exampleResponse: { token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI5MTAxMDAwNiJ9.c2lnbmF0dXJl" },
    response: ok({ token: z.string(), user: UserObject }),
  },
  { name: "user.info", kind: "read", auth: "bearer", summary: "The caller", params: None, example: {}, response: ok({ user: UserObject }) },
  {
    name: "user.sessions",
    kind: "read",
    auth: "bearer",
    summary: "The caller's live sessions (one per login), newest first; the token's own is `current`",
    params: None, example: {},
    response: ok({ sessions: z.array(SessionObject) }),
  },
  {
    name: "user.logout",
    kind: "write",
    auth: "bearer",
    summary: "End the current session: its tokens get 401, its sockets close 4001 \"session revoked\"",
    params: None, example: {},
    response: ok({}),
  },
  {
    name: "user.session.revoke",
    kind: "write",
    auth: "bearer",
    summary: "End one of the caller's sessions (404 for any id that is not one of them)",
    params: P.SessionRevoke, example: { session_id: 3 },
    response: ok({}),
  },
  {
    name: "user.logout.all",
    kind: "write",
    auth: "bearer",
    summary: "End every session of the caller but the current one; `ended` counts them",
    params: None, exampleResponse: { ended: 2 }, example: {},
    response: ok({ ended: z.number().int() }),
  },
  {
    name: "user.password.change",
    kind: "write",
    auth: "bearer",
    summary: "Change the password (422: new one breaks the rules; 401: wrong current one, counted like a failed login); ends every other session",
    params: P.PasswordChange, exampleResponse: { ended: 1 }, example: { current_password: "password1", new_password: "password2" },
    response: ok({ ended: z.number().int() }),
  },
  {
    name: "user.delete",
    kind: "write",
    auth: "bearer",
    summary: "Delete the account (401 without the right password): leaves every channel, ends every session; messages stay under \"Deleted user\"; the email can sign up again",
    params: P.UserDelete, example: { password: "password1" },
    response: ok({}),
  },
  {
    name: "rtm.connect",
    kind: "read",
    auth: "bearer",
    summary: "The user stream URL and a ws_token (1 h) that opens any of the user's sockets",
    params: P.RtmConnect,
    example: {},
    exampleResponse: { rtm: { ws_endpoint: "wss://realtime.example.com/rtm/ws/user/91010006", ws_token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI5MTAxMDAwNiJ9.c2lnbmF0dXJl" } },
    response: ok({ rtm: z.object({ ws_endpoint: z.string(), ws_token: z.string() }) }),
  },
  {
    name: "channel.create",
    kind: "write",
    auth: "bearer",
    summary: "Create a channel owned by the caller, with invitees by email or id",
    params: P.ChannelCreate,
    example: { channel_name: "Channel 22", emails: ["test2@test.com"] },
    response: ok({ channel: ChannelObject }),
  },
  { name: "channel.info", kind: "read", auth: "bearer", summary: "One channel", params: P.ChannelRef, example: { channel_id: 11010005 }, response: ok({ channel: ChannelObject }) },
  { name: "channel.list", kind: "read", auth: "bearer", summary: "The caller's channels", params: None, example: {}, response: ok({ channels: z.array(ChannelObject) }) },
  {
    name: "channel.members",
    kind: "read",
    auth: "bearer",
    summary: "Members with their roles",
    params: P.ChannelRef,
    example: { channel_id: 11010005 },
    response: ok({ members: z.array(MemberObject) }),
  },
  {
    name: "channel.history",
    kind: "read",
    auth: "bearer",
    summary: "A page of messages, oldest → newest (newest page by default)",
    params: P.ChannelHistory,
    example: { channel_id: 11010004, before_id: 10005, limit: 50 },
    exampleResponse: { has_more: true },
    response: ok({ messages: z.array(MessageObject), has_more: z.boolean() }),
  },
  {
    name: "chat.postmessage",
    kind: "write",
    auth: "bearer",
    summary: "Post a message (text ≤ 16 KiB of UTF-8; parent_message_id quotes a message)",
    params: P.ChatPost,
    example: { channel_id: 11010004, text: "fs" },
    response: ok({ message: MessageObject }),
  },
  {
    name: "channel.adduser",
    kind: "write",
    auth: "bearer",
    summary: "Owner adds a user by email or user_id (user_added.channel, channel.update, bot message; channel.create on their stream)",
    params: P.ChannelAddUser,
    example: { channel_id: 11010005, email: "test2@test.com" },
    response: ok({ channel: ChannelObject }),
  },
  {
    name: "channel.kick",
    kind: "write",
    auth: "bearer",
    summary: "Owner removes a member (user_removed.channel; their sockets close 4003)",
    params: P.ChannelKick,
    example: { channel_id: 11010005, user_id: 91010001 },
    response: ok({ channel: ChannelObject }),
  },
  {
    name: "channel.leave",
    kind: "write",
    auth: "bearer",
    summary: "The caller leaves (an owner leaving hands ownership to the longest-standing member; the last member leaving removes the channel)",
    params: P.ChannelRef,
    example: { channel_id: 11010005 },
    response: ok({}),
  },
  { name: "channel.rename", kind: "write", auth: "bearer", summary: "Owner renames the channel", params: P.ChannelRename, example: { channel_id: 11010005, channel_name: "Channel 23" }, response: ok({ channel: ChannelObject }) },
  { name: "channel.update", kind: "write", auth: "bearer", summary: "Owner updates the channel (name)", params: P.ChannelRename, example: { channel_id: 11010005, channel_name: "Channel 23" }, response: ok({ channel: ChannelObject }) },
  {
    name: "channel.remove",
    kind: "write",
    auth: "bearer",
    summary: "Owner removes the channel (channel.remove; its sockets close 4004; its routes answer 404)",
    params: P.ChannelRef,
    example: { channel_id: 11010005 },
    response: ok({}),
  },
  {
    name: "user.profile.set",
    kind: "write",
    auth: "bearer",
    summary: "Update display name and avatar flag (user.profileUpdate in every channel of the user)",
    params: P.ProfileSet,
    example: { name: "Test 1", has_avatar: false },
    response: ok({ user: UserObject }),
  },
  {
    name: "user.settings",
    kind: "read",
    auth: "bearer",
    summary: "The caller's settings",
    params: None, example: {},
    response: ok({ settings: Settings }),
  },
  {
    name: "user.settings.set",
    kind: "write",
    auth: "bearer",
    summary:
      "Change the caller's settings. invites_from: shared_channels refuses (403 invite_refused) channel.create and channel.adduser from anyone who shares no channel with the caller",
    params: P.SettingsSet, example: { invites_from: "shared_channels" },
    response: ok({ settings: Settings }),
  },
  {
    name: "system.info",
    kind: "read",
    auth: "operator",
    summary:
      "Operator view from the sharded stats objects: version, live connections, messages in/out and rates, alarms pending, how fresh (rooms=1: the busiest rooms)",
    params: P.SystemInfo,
    example: { rooms: true },
    exampleResponse: {
      system: {
        version: "0.1.0",
        environment: "production",
        live_connections: 2,
        rooms_with_connections: 1,
        messages_in: 10,
        messages_out: 20,
        messages_in_per_sec: 0.5,
        messages_out_per_sec: 1,
        alarms_pending: 1,
        rooms_known: 1,
        as_of: 1571330673000,
        oldest_report_age_ms: 1000,
        stale_after_ms: 600000,
        shards: 16,
        shards_unavailable: 0,
        rooms: [{ room: "channel:11010004", connections: 2, messages_in: 10, messages_out: 20, alarm_at: 1571330700000, at: 1571330672000 }],
      },
    },
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
    params: P.SystemDirectory, example: { channel_ids: [11010005], repair: false },
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
  // --- message life -----------------------------------------------------------------------------
  {
    name: "chat.updatemessage",
    kind: "write",
    auth: "bearer",
    summary: "Edit a message's text (its author only; text ≤ 16 KiB of UTF-8); chat.updateMessage with is_edited",
    params: P.ChatUpdate,
    example: { channel_id: 11010004, message_id: 10004, text: "fs, edited" },
    response: ok({ message: MessageObject }),
  },
  {
    name: "chat.deletemessage",
    kind: "write",
    auth: "bearer",
    summary: "Delete a message (its author or the channel owner); history leaves it out; chat.deleteMessage",
    params: P.ChatDelete,
    example: { channel_id: 11010004, message_id: 10004 },
    response: ok({}),
  },
  {
    name: "chat.reactmessage",
    kind: "write",
    auth: "bearer",
    summary: "Add (idempotent) or remove (remove: true/1) the caller's reaction; the message as it now is",
    params: P.ChatReact,
    example: { channel_id: 11010004, message_id: 10004, emoji_value: "U 1F600" },
    response: ok({ message: MessageObject }),
  },
  { name: "user.alerts", kind: "read", auth: "bearer", summary: "The caller's alerts, newest first (at most 100)", params: None, example: {}, response: ok({ alerts: z.array(AlertObject) }) },
  { name: "user.alert.ack", kind: "write", auth: "bearer", summary: "Mark one of the caller's alerts read", params: P.AlertAck, example: { alert_id: 7 }, response: ok({}) },
  {
    name: "action.create",
    kind: "write",
    auth: "bearer",
    summary: "Create an action in a channel; action.create",
    params: P.ActionCreate,
    example: { channel_id: 11000001, action_name: "test action2", action_desc: "action desc", action_type: 1, due_on: "2019-11-29 01:31:18" },
    response: ok({ action: ActionObject }),
  },
  {
    name: "lock.acquire",
    kind: "write",
    auth: "bearer",
    summary: "Lock a path (TTL 1–3600 s, default 600); 409 while another user holds it; the holder re-acquiring refreshes it",
    params: P.LockAcquire,
    example: { channel_id: 11000002, path: "/cf/4/attachments/Screen Shot 2020-04-10 at 1.25.09 PM.png", ttl_seconds: 600 },
    response: ok({ lock: LockObject }),
  },
  {
    name: "lock.refresh",
    kind: "write",
    auth: "bearer",
    summary: "Extend a lock's lease (holder only; ttl_seconds defaults to the lock's original TTL)",
    params: P.LockRefresh,
    example: { channel_id: 11000002, lock_id: 9, ttl_seconds: 600 },
    response: ok({ lock: LockObject }),
  },
  {
    name: "lock.release",
    kind: "write",
    auth: "bearer",
    summary: "Release a lock (its holder or the channel owner); lock.release",
    params: P.LockRelease,
    example: { channel_id: 11000002, lock_id: 9 },
    response: ok({}),
  },
  // --- server API and webhooks (docs/server-api.md, docs/webhooks.md) ------------------------------
  {
    name: "server.keys.create",
    kind: "write",
    auth: "operator",
    summary: "Create a server API key {name, scopes: publish|members|moderate|read}; the secret is returned once",
    params: S.KeyCreate, exampleResponse: { secret: "sk_live_3f9a0c6e5b2d4f8a9c1e7b3d5f0a2c4e" }, example: { name: "ci-bot", scopes: ["publish", "read"] },
    response: ok({ key: KeyObject, secret: z.string() }),
  },
  { name: "server.keys.list", kind: "read", auth: "operator", summary: "Every server API key (no secrets)", params: None, example: {}, response: ok({ keys: z.array(KeyObject) }) },
  {
    name: "server.keys.revoke",
    kind: "write",
    auth: "operator",
    summary: "Revoke a key: refused at once by this isolate, everywhere within SERVER_KEY_CACHE_MS (5 s)",
    params: S.KeyRef, example: { key_id: 2 },
    response: ok({}),
  },
  {
    name: "server.chat.postmessage",
    kind: "write",
    auth: "server",
    scope: "publish",
    summary: "Post a bot message (type 5, content {type: 3, bot_message}) under bot_name (default: the key's name)",
    params: S.ServerPost, example: { channel_id: 11010005, text: "Build 1432 passed", bot_name: "CI" },
    response: ok({ message: MessageObject }),
  },
  {
    name: "server.channel.create",
    kind: "write",
    auth: "server",
    scope: "members",
    summary: "Create a channel owned by owner_id, with invitees by email or id (the events of channel.create)",
    params: S.ServerChannelCreate, example: { channel_name: "Launch", owner_id: 91010006, emails: ["test2@test.com"] },
    response: ok({ channel: ChannelObject }),
  },
  {
    name: "server.channel.adduser",
    kind: "write",
    auth: "server",
    scope: "members",
    summary: "Add a user by email or user_id, as the channel's owner would",
    params: P.ChannelAddUser, example: { channel_id: 11010005, email: "test2@test.com" },
    response: ok({ channel: ChannelObject }),
  },
  {
    name: "server.channel.kick",
    kind: "write",
    auth: "server",
    scope: "members",
    summary: "Remove a member (user_removed.channel; their sockets close 4003); removing the owner hands the channel on as channel.leave does",
    params: P.ChannelKick, example: { channel_id: 11010005, user_id: 91010001 },
    response: ok({}),
  },
  {
    name: "server.chat.updatemessage",
    kind: "write",
    auth: "server",
    scope: "moderate",
    summary: "Edit any message's text (chat.updateMessage with is_edited)",
    params: P.ChatUpdate, example: { channel_id: 11010005, message_id: 10005, text: "Build 1432 passed (rerun)" },
    response: ok({ message: MessageObject }),
  },
  { name: "server.chat.deletemessage", kind: "write", auth: "server", scope: "moderate", summary: "Delete any message (chat.deleteMessage)", params: P.ChatDelete, example: { channel_id: 11010005, message_id: 10005 }, response: ok({}) },
  {
    name: "server.user.disconnect",
    kind: "write",
    auth: "server",
    scope: "moderate",
    summary: "Close every socket of the user, in every channel and on their stream, with close code 4010",
    params: S.UserDisconnect, exampleResponse: { closed: 2 }, example: { user_id: 91010001 },
    response: ok({ closed: z.number().int() }),
  },
  { name: "server.channel.info", kind: "read", auth: "server", scope: "read", summary: "Any channel", params: P.ChannelRef, example: { channel_id: 11010005 }, response: ok({ channel: ChannelObject }) },
  {
    name: "server.channel.members",
    kind: "read",
    auth: "server",
    scope: "read",
    summary: "Any channel's members with their roles and presence (online_status)",
    params: P.ChannelRef, example: { channel_id: 11010005 },
    response: ok({ members: z.array(MemberObject) }),
  },
  {
    name: "server.channel.history",
    kind: "read",
    auth: "server",
    scope: "read",
    summary: "A page of any channel's messages, as channel.history",
    params: P.ChannelHistory, exampleResponse: { has_more: false }, example: { channel_id: 11010005, limit: 50 },
    response: ok({ messages: z.array(MessageObject), has_more: z.boolean() }),
  },
  {
    name: "server.user.presence",
    kind: "read",
    auth: "server",
    scope: "read",
    summary: "Global presence of up to 100 users (unknown ids are left out)",
    params: S.UserPresence, example: { user_ids: [91010001, 91010006] },
    response: ok({ presence: z.array(z.object({ user_id: z.number().int(), online: z.boolean() })) }),
  },
  {
    name: "server.webhooks.create",
    kind: "write",
    auth: "operator",
    summary: "Register a webhook endpoint {url, events, channel_ids?}; the signing secret (whsec_…) is returned once",
    params: S.WebhookCreate, exampleResponse: { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }, example: { url: "https://hooks.example.com/realtime", events: ["chat.postMessage"], channel_ids: [11010005] },
    response: ok({ webhook: EndpointObject, secret: z.string() }),
  },
  { name: "server.webhooks.list", kind: "read", auth: "operator", summary: "Every webhook endpoint with its delivery state", params: None, example: {}, response: ok({ webhooks: z.array(EndpointObject) }) },
  { name: "server.webhooks.remove", kind: "write", auth: "operator", summary: "Remove an endpoint; queued deliveries to it are dropped", params: S.WebhookRef, example: { webhook_id: 4 }, response: ok({}) },
  {
    name: "server.webhooks.enable",
    kind: "write",
    auth: "operator",
    summary: "Resume a paused endpoint (replay what it missed with server.webhooks.replay)",
    params: S.WebhookRef, example: { webhook_id: 4 },
    response: ok({ webhook: EndpointObject }),
  },
  {
    name: "server.webhooks.replay",
    kind: "write",
    auth: "operator",
    summary: "Re-send one channel's events after since_seq to one endpoint, in seq order, one page (limit ≤ 500) per call",
    params: S.WebhookReplay, exampleResponse: { enqueued: 100, last_seq: 220, has_more: true }, example: { webhook_id: 4, channel_id: 11010005, since_seq: 120, limit: 100 },
    response: ok({ enqueued: z.number().int(), last_seq: z.number().int(), has_more: z.boolean() }),
  },
  {
    name: "push.vapidkey",
    kind: "read",
    auth: "none",
    summary: "The VAPID public key (base64url): the applicationServerKey for pushManager.subscribe()",
    params: None, example: {},
    exampleResponse: { vapid_public_key: "BEmml2tPrHV12-rGi9Zb0JmxRAK80zWmalDutVwT9T2tgKR8CKAoHkHZ8PtVzdMeYvhSBzP2GBIBiV7JQMKFhIE" },
    response: ok({ vapid_public_key: z.string() }),
  },
  {
    name: "push.subscribe",
    kind: "write",
    auth: "bearer",
    summary: "Register a browser's PushSubscription JSON {endpoint, keys: {p256dh, auth}}; the same endpoint again renews its keys. 409 beyond the per-user maximum",
    params: W.PushSubscribe,
    example: {
      endpoint: "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH",
      expirationTime: null,
      keys: { p256dh: "BEmml2tPrHV12-rGi9Zb0JmxRAK80zWmalDutVwT9T2tgKR8CKAoHkHZ8PtVzdMeYvhSBzP2GBIBiV7JQMKFhIE", auth: "BTBZMqHH6r4Tts7J_aSIgg" },
    },
    response: ok({ subscription: W.PushSubscriptionObject }),
  },
  { name: "push.list", kind: "read", auth: "bearer", summary: "The caller's push subscriptions", params: None, example: {}, response: ok({ subscriptions: z.array(W.PushSubscriptionObject) }) },
  {
    name: "push.unsubscribe",
    kind: "write",
    auth: "bearer",
    summary: "Remove one of the caller's push subscriptions, by subscription_id or endpoint",
    params: W.PushUnsubscribe, example: { subscription_id: 3 },
    response: ok({}),
  },
  { name: "push.settings", kind: "read", auth: "bearer", summary: "The caller's push preference and muted channels", params: None, example: {}, response: ok({ settings: W.PushSettingsObject }) },
  {
    name: "push.settings.set",
    kind: "write",
    auth: "bearer",
    summary: "Set the push preference (mode: alerts | all | none) and/or mute a channel (channel_id + muted)",
    params: W.PushSettingsSet, example: { mode: "all", channel_id: 11010005, muted: true },
    response: ok({ settings: W.PushSettingsObject }),
  },
] as const satisfies readonly RouteSpec[];

export type RouteName = (typeof catalog)[number]["name"];

/** What a route's handler receives: its parameters as its own schema outputs them. */
export type ParamsOf<N extends RouteName> = z.output<Extract<(typeof catalog)[number], { name: N }>["params"]>;

export const routes: readonly (RouteSpec & { name: RouteName })[] = catalog;

export function routeByName(name: string): RouteSpec | undefined {
  return routes.find((r) => r.name === name);
}
