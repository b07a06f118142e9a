import { z } from "zod";

/**
 * Schemas of what the server sends: the wire objects (the seed's shapes) and every event's
 * payload. They feed the AsyncAPI and OpenAPI documents and the tests' contract checks, so a
 * field that drifts from the documents fails a test.
 */
const Time = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/).describe('"YYYY-MM-DD HH:MM:SS" UTC');
const Ts = z.number().int().describe("unix seconds");
const UserId = z.number().int().positive();
const ChannelId = z.number().int().positive();

/** The user of AirSend's channel.create example, used by the documents' examples. */
const SEED_USER = {
  id: 91010006,
  email: "test1@test.com",
  display_name: "test1@test.com",
  has_avatar: false,
  online_status: true,
  last_active_on: "2019-10-17 16:42:29",
  last_active_on_ts: 1571330549,
};

export const UserObject = z
  .object({
    id: UserId,
    email: z.string(),
    display_name: z.string(),
    has_avatar: z.boolean(),
    online_status: z.boolean(),
    last_active_on: Time,
    last_active_on_ts: Ts,
  })
  .meta({
    id: "User",
    examples: [SEED_USER],
  });

export const MemberObject = UserObject.extend({ user_role: z.number().int().describe("100 owner, 20 member") }).meta({
  id: "Member",
});

const Content = z
  .union([z.string(), z.object({ type: z.number().int(), bot_message: z.string() })])
  .describe("text (returned verbatim), or {type, bot_message} for bot messages (message_type 5)");

export const ParentMessage = z
  .object({
    message_id: z.number().int(),
    user_id: z.number().int(),
    display_name: z.string(),
    content: Content,
    created_on: Time,
    created_on_ts: Ts,
  })
  .meta({ id: "ParentMessage" });

export const Emoticon = z.object({ uid: UserId, dn: z.string(), ev: z.string() }).meta({ id: "Emoticon" });

export const MessageObject = z
  .object({
    id: z.number().int().positive(),
    user_id: z.number().int().positive(),
    channel_id: ChannelId,
    display_name: z.string(),
    content: Content,
    attachments: z.array(z.unknown()),
    message_type: z.number().int().describe("1 text, 5 bot"),
    is_edited: z.boolean(),
    parent_message: z.union([z.array(z.unknown()).max(0), ParentMessage]),
    emoticons: z.array(Emoticon),
    created_on: Time,
    created_on_ts: Ts,
    read_user_count: z.number().int().min(0),
    read_users: z.array(UserId),
  })
  .meta({
    id: "Message",
    examples: [
      {
        id: 10004,
        user_id: 91010006,
        channel_id: 11010004,
        display_name: "test1@test.com",
        content: "fs",
        attachments: [],
        message_type: 1,
        is_edited: false,
        parent_message: [],
        emoticons: [{ uid: 91010000, dn: "Chat Unit Test User", ev: "U 1F600" }],
        created_on: "2019-10-17 16:44:32",
        created_on_ts: 1571330672,
        read_user_count: 0,
        read_users: [],
      },
      {
        id: 10001,
        user_id: 91000001,
        channel_id: 11010000,
        display_name: "AirBot",
        content: { type: 2, bot_message: "@91010001 has added @91010002 to this channel" },
        attachments: [],
        message_type: 5,
        is_edited: false,
        parent_message: [],
        emoticons: [],
        created_on: "2019-10-18 16:56:55",
        created_on_ts: 1571417815,
        read_user_count: 0,
        read_users: [],
      },
    ],
  });

export const ChannelObject = z
  .object({
    id: ChannelId,
    channel_name: z.string(),
    created_by: UserId,
    created_on: Time,
    created_on_ts: Ts,
    last_active_on: Time,
    last_active_on_ts: Ts,
    latest_message: MessageObject.nullable(),
    members: z.array(MemberObject),
    channel_roots: z.array(z.unknown()),
  })
  .meta({
    id: "Channel",
    examples: [
      {
        id: 11010005,
        channel_name: "Channel 22",
        created_by: 91010006,
        created_on: "2019-10-17 16:43:31",
        created_on_ts: 1571330611,
        last_active_on: "2019-10-17 16:43:31",
        last_active_on_ts: 1571330611,
        latest_message: null,
        members: [
          { ...SEED_USER, user_role: 100 },
        ],
        channel_roots: [],
      },
    ],
  });

export const LockObject = z
  .object({
    lock_id: z.number().int().positive(),
    channel_id: ChannelId,
    user_id: UserId,
    path: z.string(),
    expires_on_ts: Ts,
  })
  .meta({
    id: "Lock",
    examples: [
      {
        lock_id: 9,
        channel_id: 11000002,
        user_id: 91010000,
        path: "/cf/4/attachments/Screen Shot 2020-04-10 at 1.25.09 PM.png",
        expires_on_ts: 1586540109,
      },
    ],
  });

export const ActionObject = z
  .object({
    id: z.number().int().positive(),
    channel_id: ChannelId,
    action_name: z.string(),
    action_desc: z.string().nullable(),
    action_type: z.number().int(),
    action_status: z.number().int(),
    due_on: Time.nullable(),
    created_on: Time,
    created_by: UserId,
    updated_on: Time.nullable(),
    updated_by: UserId.nullable(),
  })
  .meta({
    id: "Action",
    examples: [
      {
        id: 3,
        channel_id: 11000001,
        action_name: "test action2",
        action_desc: "action desc",
        action_type: 1,
        action_status: 0,
        due_on: "2019-11-29 01:31:18",
        created_on: "2019-11-28 01:46:37",
        created_by: 91000002,
        updated_on: null,
        updated_by: null,
      },
    ],
  });

export const AlertObject = z
  .object({
    alert_id: z.number().int().positive(),
    from: z.array(UserObject),
    message_id: z.number().int().nullable(),
    alert_text: z.string(),
    channel_id: ChannelId.nullable(),
    is_read: z.boolean(),
    created_on_ts: Ts,
  })
  .meta({
    id: "Alert",
    examples: [
      {
        alert_id: 7,
        from: [
          {
            id: 91010001,
            email: "test2@test.com",
            display_name: "Test 2",
            has_avatar: false,
            online_status: true,
            last_active_on: "2019-10-25 15:23:29",
            last_active_on_ts: 1572017009,
          },
        ],
        message_id: 10006,
        alert_text: "... 2 : @91010000 has added @910 ...",
        channel_id: 11010000,
        is_read: false,
        created_on_ts: 1572017009,
      },
    ],
  });

/** A login of the caller, as `user.sessions` lists it (docs/security.md, "Sessions and revocation"). */
export const SessionObject = z
  .object({
    session_id: z.number().int().positive(),
    device: z.string().describe("browser and system from the user agent, plus the login's fingerprint"),
    created_on: Time,
    created_on_ts: Ts,
    last_seen_on: Time.describe("last use by HTTP or a socket auth, to the minute"),
    last_seen_on_ts: Ts,
    current: z.boolean().describe("the session of the token making the request"),
  })
  .meta({
    id: "Session",
    examples: [
      {
        session_id: 71010003,
        device: "Firefox on Linux (laptop)",
        created_on: "2019-10-25 15:23:29",
        created_on_ts: 1572017009,
        last_seen_on: "2019-10-25 16:01:12",
        last_seen_on_ts: 1572019272,
        current: true,
      },
    ],
  });

const Meta = z.object({ api: z.literal("v1"), time: z.number().int(), seq: z.number().int().positive().optional() });

/** Every server event's payload, by its exact `event` string (docs/protocol.md#events). */
export const eventPayloads = {
  "rtm.ready": z.object({
    connection_id: z.string(),
    user_id: UserId,
    channel_id: ChannelId.optional(),
    epoch: z.string().optional(),
    seq: z.number().int().min(0).optional(),
  }),
  "rtm.resumed": z.object({ recovered: z.boolean(), seq: z.number().int().min(0) }),
  ping: z.object({}),
  "chat.postMessage": z.object({ message: MessageObject }),
  "chat.updateMessage": z.object({ message: MessageObject }),
  "chat.deleteMessage": z.object({ message_id: z.number().int().positive(), channel_id: ChannelId }),
  "chat.userTyping": z.object({ user: UserObject, channel_id: ChannelId }),
  "chat.unreadCountUpdate": z.object({
    total_unread_count: z.number().int().min(0),
    channel_id: ChannelId,
    channel_unread_count: z.number().int().min(0),
    oldest_unread_message_id: z.number().int().min(0),
  }),
  "channel.create": z.object({ channel: ChannelObject }),
  "channel.update": z.object({ channel: ChannelObject }),
  "channel.remove": z.object({ channel_id: ChannelId }),
  "user_added.channel": z.object({ channel_id: ChannelId, user: UserObject }),
  "user_removed.channel": z.object({ removed_user_id: UserId, removed_by_user_id: UserId, channel_id: ChannelId }),
  "user.online": z.object({ user: UserObject, channel_id: ChannelId }),
  "user.offline": z.object({ user: UserObject, channel_id: ChannelId }),
  "user.profileUpdate": z.object({ user: UserObject, channel_id: ChannelId }),
  "alert.notification": AlertObject,
  "action.create": z.object({ action: ActionObject, channel_id: ChannelId }),
  "lock.acquire": LockObject,
  "lock.release": LockObject,
} as const;

export type EventName = keyof typeof eventPayloads;

export function eventEnvelope<N extends EventName>(name: N) {
  return z.object({ meta: Meta, event: z.literal(name), payload: eventPayloads[name] });
}

export const Pong = z.object({ event: z.literal("pong") });
export const SuccessReply = z.object({
  correlationId: z.union([z.string(), z.number(), z.null()]),
  time: z.number().int(),
  type: z.literal("success"),
});
export const ErrorReply = z.object({
  correlationId: z.union([z.string(), z.number(), z.null()]),
  error: z.string(),
  time: z.number().int(),
  type: z.literal("error"),
});

/** Checks one server frame against the contract; returns a description of the mismatch or null. */
export function checkServerFrame(frame: unknown): string | null {
  if (frame === null || typeof frame !== "object") return "frame is not an object";
  const f = frame as Record<string, unknown>;
  let schema: z.ZodType;
  if (f.type === "success") schema = SuccessReply;
  else if (f.type === "error") schema = ErrorReply;
  else if (f.event === "pong" && !("meta" in f)) schema = Pong;
  else if (typeof f.event === "string" && f.event in eventPayloads) schema = eventEnvelope(f.event as EventName).strict();
  else return `unknown frame: ${JSON.stringify(frame).slice(0, 200)}`;
  const r = schema.safeParse(frame);
  return r.success ? null : `${String(f.event ?? f.type)}: ${r.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`;
}
