import { z } from "zod";
import { Emoji, Id } from "./ids";

/**
 * One schema per client command (docs/protocol.md#commands). Unknown fields are ignored (zod strips them); types are
 * derived from the schemas, so everything past the decoder trusts its input.
 */
const CorrelationField = { correlationId: z.union([z.string().max(256), z.number()]).optional() };

export const FilterEntry = z.object({
  property: z.string().min(1).max(128),
  value: z.union([z.string(), z.number(), z.boolean()]),
});

export const commandSchemas = {
  ws_auth: z.object({ auth_token: z.string().min(1).max(4096), ...CorrelationField }),
  ws_ping: z.object({ ...CorrelationField }),
  ws_ephemeral_typing: z.object({ channel_id: Id, ...CorrelationField }),
  ws_read_notification: z.object({ channel_id: Id, message_id: Id, ...CorrelationField }),
  ws_all_read_notification: z.object({ channel_id: Id, ...CorrelationField }),
  ws_add_reaction: z.object({ channel_id: Id.optional(), message_id: Id, emoji_value: Emoji, ...CorrelationField }),
  ws_remove_reaction: z.object({ channel_id: Id.optional(), message_id: Id, emoji_value: Emoji, ...CorrelationField }),
  ws_resume: z.object({ epoch: z.string().max(128), since_seq: z.number().int().min(0), ...CorrelationField }),
  ws_filter: z.object({ filters: z.array(FilterEntry), ...CorrelationField }),
} as const;

export type CommandName = keyof typeof commandSchemas;

export type Command = {
  [K in CommandName]: { command: K } & z.output<(typeof commandSchemas)[K]>;
}[CommandName];

export type CommandOf<K extends CommandName> = Extract<Command, { command: K }>;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(commandSchemas, name);
}

/** Commands allowed before authentication (until authenticated a socket may only authenticate or ping; anything else closes 1008). */
export const PRE_AUTH_COMMANDS: ReadonlySet<CommandName> = new Set(["ws_auth", "ws_ping"]);

/** Commands that act on a channel (forwarded from the user stream to that channel's room). */
export const CHANNEL_COMMANDS: ReadonlySet<CommandName> = new Set([
  "ws_ephemeral_typing",
  "ws_read_notification",
  "ws_all_read_notification",
  "ws_add_reaction",
  "ws_remove_reaction",
]);
