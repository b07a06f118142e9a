import { z } from "zod";
import { CloseCode } from "../protocol/closeCodes";
import { CHANNEL_COMMANDS, commandSchemas } from "../protocol/commands";
import { ErrorReply, Pong, SuccessReply, eventEnvelope, eventPayloads, type EventName } from "../protocol/wire";
import * as wireObjects from "../protocol/wire";

/**
 * AsyncAPI 3 for the websocket protocol (channel socket and user stream), generated from the
 * protocol's zod schemas: every client command, every server event, replies and close codes.
 * The document describes the server: it `receive`s commands and `send`s events.
 */
const CLOSE_CODES: Record<number, string> = {
  [CloseCode.PolicyViolation]: "a frame other than ws_auth/ws_ping before auth, an unknown command, or a frame that is not a JSON object",
  [CloseCode.TooBig]: "frame larger than the limit (default 64 KiB)",
  [CloseCode.AuthFailed]: "authentication failed or timed out (10 s); reason \"session revoked\" when the token's session ended",
  [CloseCode.NotAllowed]: "not allowed here: not a member, removed from the channel, another user's stream",
  [CloseCode.ChannelRemoved]: "the channel was removed",
  [CloseCode.PingTimeout]: "ping timeout (silent for two checks)",
  [CloseCode.TokenExpired]: "the connection's token expired",
  [CloseCode.Disconnected]: "disconnected by a server API key with the moderate scope (server.user.disconnect)",
  [CloseCode.RateLimited]: "rate limit exceeded (burst 40, 20 commands/s), or at ws_auth the user already holds MAX_SOCKETS_PER_USER (50) sockets in this room",
};

/** Events that may appear on each kind of socket (docs/protocol.md#events). */
const CHANNEL_EVENTS: EventName[] = [
  "rtm.ready",
  "rtm.resumed",
  "ping",
  "chat.postMessage",
  "chat.updateMessage",
  "chat.deleteMessage",
  "chat.userTyping",
  "chat.unreadCountUpdate",
  "channel.update",
  "channel.remove",
  "user_added.channel",
  "user_removed.channel",
  "user.online",
  "user.offline",
  "user.profileUpdate",
  "action.create",
  "lock.acquire",
  "lock.release",
];
const USER_EVENTS: EventName[] = [
  "rtm.ready",
  "ping",
  "channel.create",
  "channel.remove",
  "user_added.channel",
  "user_removed.channel",
  "chat.unreadCountUpdate",
  "alert.notification",
];

/**
 * Payload schemas live in components.schemas, and shared objects (Message, Channel, ...) are
 * referenced there by id: a `$ref` inside a message payload resolves against the document root, so
 * nested `$defs` would not resolve. Commands are described as the server reads them (input),
 * events and replies as it writes them (output).
 */
class SchemaSet {
  private readonly input = z.registry<{ id: string }>();
  private readonly output = z.registry<{ id: string }>();

  add(id: string, schema: z.ZodType, io: "input" | "output") {
    (io === "input" ? this.input : this.output).add(schema, { id });
    return { $ref: `#/components/schemas/${id}` };
  }

  schemas(): Record<string, unknown> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const io of ["input", "output"] as const) {
      const registry = io === "input" ? this.input : this.output;
      const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` });
      for (const [id, s] of Object.entries(schemas as Record<string, Record<string, unknown>>)) {
        delete s.$id;
        delete s.$schema;
        out[id] ??= s;
      }
    }
    return out;
  }
}

export function asyncApiDocument(version: string) {
  const messages: Record<string, unknown> = {};
  const set = new SchemaSet();
  for (const schema of Object.values(wireObjects)) {
    const id = schema instanceof z.ZodType ? (schema.meta() as { id?: string } | undefined)?.id : undefined;
    if (id) set.add(id, schema as z.ZodType, "output");
  }
  const cmdName = (c: string) => `command_${c}`;
  for (const [name, schema] of Object.entries(commandSchemas)) {
    const wire =
      name === "ws_filter"
        ? z.union([
            schema.extend({ type: z.literal("filter") }),
            schema.extend({ command: z.literal("ws_filter") }),
          ])
        : schema.extend({ command: z.literal(name) });
    messages[cmdName(name)] = {
      name,
      title: name === "ws_filter" ? "filter message" : name,
      summary:
        name === "ws_ping"
          ? 'The exact frame {"command":"ws_ping"} is answered {"event":"pong"} by the runtime without waking the room'
          : CHANNEL_COMMANDS.has(name as never)
            ? "Channel command; on the user stream it is forwarded to the channel's room"
            : undefined,
      payload: set.add(cmdName(name), wire, "input"),
    };
  }
  const evName = (e: string) => `event_${e.replace(/\./g, "_")}`;
  for (const name of Object.keys(eventPayloads) as EventName[]) {
    messages[evName(name)] = { name, title: name, payload: set.add(evName(name), eventEnvelope(name), "output") };
  }
  messages.reply_success = { name: "success", payload: set.add("reply_success", SuccessReply, "output") };
  messages.reply_error = { name: "error", payload: set.add("reply_error", ErrorReply, "output") };
  messages.pong = { name: "pong", payload: set.add("pong", Pong, "output") };

  const ref = (id: string) => ({ $ref: `#/components/messages/${id}` });
  const channelMessages = (events: EventName[], commands: string[]) =>
    Object.fromEntries([
      ...commands.map((c) => [cmdName(c), ref(cmdName(c))]),
      ...events.map((e) => [evName(e), ref(evName(e))]),
      ["reply_success", ref("reply_success")],
      ["reply_error", ref("reply_error")],
      ["pong", ref("pong")],
    ]);
  const allCommands = Object.keys(commandSchemas);
  const closeCodes = Object.fromEntries(Object.entries(CLOSE_CODES).map(([k, v]) => [k, v]));

  const operations = (channel: "channelSocket" | "userStream", events: EventName[], commands: string[]) => ({
    [`${channel}_receiveCommands`]: {
      action: "receive",
      channel: { $ref: `#/channels/${channel}` },
      messages: commands.map((c) => ({ $ref: `#/channels/${channel}/messages/${cmdName(c)}` })),
    },
    [`${channel}_sendEvents`]: {
      action: "send",
      channel: { $ref: `#/channels/${channel}` },
      messages: [
        ...events.map((e) => ({ $ref: `#/channels/${channel}/messages/${evName(e)}` })),
        ...["reply_success", "reply_error", "pong"].map((m) => ({ $ref: `#/channels/${channel}/messages/${m}` })),
      ],
    },
  });
  const userCommands = allCommands.filter((c) => c !== "ws_resume");

  return {
    asyncapi: "3.1.0",
    info: {
      title: "edge-realtime websocket protocol",
      version,
      description:
        "AirSend realtime messages plus iSymphony event filters. The first frame must be ws_auth within 10 s. Every event is {meta:{api,time,seq?},event,payload}. Filters: property is a dot path into the event as sent; same property OR-ed, different properties AND-ed; '*' matches any present non-null value.",
    },
    servers: { local: { host: "127.0.0.1:8787", protocol: "ws", description: "npm start" } },
    channels: {
      channelSocket: {
        address: "/rtm/ws/channel/{channel_id}",
        title: "Channel socket",
        description: "One channel's events. Durable events carry meta.seq; ws_resume replays missed ones.",
        parameters: { channel_id: { description: "numeric channel id" } },
        messages: channelMessages(CHANNEL_EVENTS, allCommands),
        "x-close-codes": closeCodes,
      },
      userStream: {
        address: "/rtm/ws/user/{user_id}",
        title: "User stream",
        description: "Events about the user (rtm.connect's ws_endpoint). Channel commands are forwarded; no seq, no resume.",
        parameters: { user_id: { description: "numeric user id (the token's)" } },
        messages: channelMessages(USER_EVENTS, userCommands),
        "x-close-codes": closeCodes,
      },
    },
    operations: { ...operations("channelSocket", CHANNEL_EVENTS, allCommands), ...operations("userStream", USER_EVENTS, userCommands) },
    components: { schemas: set.schemas(), messages },
  };
}
