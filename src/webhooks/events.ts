import { z } from "zod";
import { eventPayloads } from "../protocol/wire";

/**
 * The events a webhook endpoint can subscribe to. Each is the websocket event of the same name
 * (docs/protocol.md "Events and recipients"), delivered with the same payload.
 */
export const WEBHOOK_EVENTS = [
  "chat.postMessage",
  "chat.updateMessage",
  "chat.deleteMessage",
  "user_added.channel",
  "user_removed.channel",
  "channel.create",
  "channel.update",
  "channel.remove",
  "user.online",
  "user.offline",
  "alert.notification",
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

const names: ReadonlySet<string> = new Set(WEBHOOK_EVENTS);

export function isWebhookEvent(event: string): event is WebhookEventName {
  return names.has(event);
}

/**
 * The JSON body of one delivery. `id` is the same for every endpoint and every attempt of one
 * event, and for a replay of it: receivers deduplicate on it.
 */
export const WebhookDelivery = z
  .object({
    id: z.string().describe("unique per event; the same on retries and replays (webhook-id header)"),
    event: z.enum(WEBHOOK_EVENTS),
    channel_id: z.number().int().nullable(),
    seq: z.number().int().optional().describe("the channel's seq, on the channel's durable events"),
    time: z.number().int().describe("unix ms when the event happened"),
    payload: z.record(z.string(), z.unknown()).describe("the websocket event's payload"),
    truncated: z.literal(true).optional().describe("the payload was over 100 KiB and is left out ({}); read the current state with the server API"),
  })
  .meta({ id: "WebhookDelivery" });

export type WebhookDelivery = z.output<typeof WebhookDelivery>;

/** Durable events are named by their place in the channel's log, so a replay repeats the id. */
export function deliveryId(channelId: number | null, seq: number | undefined): string {
  if (channelId !== null && seq !== undefined) return `evt_${channelId}_${seq}`;
  return `evt_${crypto.randomUUID().replace(/-/g, "")}`;
}

/** One event's delivery with its exact payload schema (the OpenAPI `webhooks` section). */
export function deliverySchema(name: WebhookEventName) {
  return WebhookDelivery.extend({ event: z.literal(name), payload: z.union([eventPayloads[name], z.object({}).strict()]) });
}
