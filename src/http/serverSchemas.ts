import { z } from "zod";
import { ID_PATTERN, Id } from "../protocol/ids";
import { WEBHOOK_EVENTS } from "../webhooks/events";
import { list } from "./schemas";
import { SCOPES } from "../server/keys";

/** Parameters of the server API and webhook routes (docs/server-api.md, docs/webhooks.md). */

const Name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const Count = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(0));

export const KeyCreate = z.object({
  name: Name,
  scopes: list(z.enum(SCOPES, { error: `unknown scope (known: ${SCOPES.join(", ")})` }), SCOPES.length).pipe(
    z.array(z.enum(SCOPES)).min(1, "must name at least one scope"),
  ),
});

export const KeyRef = z.object({ key_id: Id });

export const WebhookCreate = z.object({
  url: z.string().trim().min(1, "is required").max(2048, "must be at most 2048 characters"),
  events: list(z.enum(WEBHOOK_EVENTS, { error: `unknown event (known: ${WEBHOOK_EVENTS.join(", ")})` }), WEBHOOK_EVENTS.length).pipe(
    z.array(z.enum(WEBHOOK_EVENTS)).min(1, "must name at least one event"),
  ),
  channel_ids: list(Id, 100, ID_PATTERN).optional(),
});

export const WebhookRef = z.object({ webhook_id: Id });

export const WebhookReplay = z.object({
  webhook_id: Id,
  channel_id: Id,
  since_seq: Count,
  limit: Count.pipe(z.number().int().min(1)).optional(),
});

export const ServerPost = z.object({
  channel_id: Id,
  text: z.string().min(1, "must not be empty"),
  bot_name: Name.optional().describe("display name of the bot message; default: the key's name"),
});

export const ServerChannelCreate = z.object({
  channel_name: Name,
  owner_id: Id.describe("the user who owns the channel"),
  emails: list(z.string().trim().max(254), 500).optional(),
  user_ids: list(Id, 500, ID_PATTERN).optional(),
});

export const UserDisconnect = z.object({ user_id: Id });

export const UserPresence = z.object({ user_ids: list(Id, 100, ID_PATTERN).pipe(z.array(z.number()).min(1, "must name at least one user")) });
