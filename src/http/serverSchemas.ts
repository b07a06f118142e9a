import { z } from "zod";
import { ID_PATTERN, Id } from "../protocol/ids";
import { WEBHOOK_EVENTS } from "../webhooks/events";
import { DEFAULTS } from "../config";
import { EMAIL_PATTERN, Email, Name, Text, intParam, list } from "./schemas";
import { SCOPES } from "../server/keys";

/** Parameters of the server API and webhook routes (docs/server-api.md, docs/webhooks.md). */

/** A count from 0: a JSON integer or digits. */
const Count = z
  .union([z.number().meta({ type: "integer", minimum: 0 }), z.string().regex(/^\d+$/, "must be an integer").transform(Number)])
  .pipe(z.number().int("must be an integer").min(0, "must be at least 0"));

export const KeyCreate = z.object({
  name: Name,
  scopes: list(z.enum(SCOPES, { error: `unknown scope (known: ${SCOPES.join(", ")})` }), SCOPES.length, undefined, { min: 1, message: `must name 1 to ${SCOPES.length} scopes` }),
});

export const KeyRef = z.object({ key_id: Id });

/**
 * Where deliveries go. The document states the form (an absolute http or https URL); which hosts
 * the service delivers to depends on the environment (docs/webhooks.md), answered with 422 `invalid_url`.
 */
const WebhookUrl = z
  .string()
  .trim()
  .min(1, "is required")
  .max(2048, "must be at most 2048 characters")
  .meta({ format: "uri", pattern: "^https?://[^\\s/?#]+", description: "https (in development also http to loopback); never a private or internal address (422 invalid_url)" });

export const WebhookCreate = z.object({
  url: WebhookUrl,
  events: list(z.enum(WEBHOOK_EVENTS, { error: `unknown event (known: ${WEBHOOK_EVENTS.join(", ")})` }), WEBHOOK_EVENTS.length, undefined, {
    min: 1,
    message: `must name 1 to ${WEBHOOK_EVENTS.length} events`,
  }),
  channel_ids: list(Id, 100, ID_PATTERN).optional(),
});

export const WebhookRef = z.object({ webhook_id: Id });

export const WebhookReplay = z.object({
  webhook_id: Id,
  channel_id: Id,
  since_seq: Count.describe("the seq after which to replay; at most the channel's current seq (else 422 unknown_seq)"),
  /** 1 to WEBHOOK_REPLAY_PAGE_MAX, which the route checks (a var); the document states the default. */
  limit: intParam(1, DEFAULTS.webhookReplayPageMax, true).optional(),
});

export const ServerPost = z.object({
  channel_id: Id,
  text: Text,
  bot_name: Name.optional().describe("display name of the bot message; default: the key's name"),
});

export const ServerChannelCreate = z.object({
  channel_name: Name,
  owner_id: Id.describe("the user who owns the channel"),
  emails: list(Email, 500, EMAIL_PATTERN).optional(),
  user_ids: list(Id, 500, ID_PATTERN).optional(),
});

export const UserDisconnect = z.object({ user_id: Id });

export const UserPresence = z.object({ user_ids: list(Id, 100, ID_PATTERN, { min: 1, message: "must name 1 to 100 users" }) });
