import { z } from "zod";
import { Id } from "../protocol/ids";
import { Flag } from "./schemas";
import { PUSH_MODES } from "../contracts/push";

/** Parameters and objects of the push routes (docs/push.md). */

/** A JSON object given as a string (form and query bodies) is parsed; anything else is left to the schema. */
const jsonObject = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }, schema);

/** `PushSubscription.toJSON()` as a browser gives it: endpoint and keys (expirationTime is ignored). */
export const PushSubscribe = z.object({
  endpoint: z
    .string()
    .trim()
    .max(2048, "must be at most 2048 characters")
    .regex(/^https?:\/\/\S+$/, "must be an https URL")
    .describe(
      "the push service's URL for this device: https (development also takes http to loopback); never a private or internal address (422 invalid_subscription)",
    ),
  expirationTime: z.number().nullable().optional(),
  keys: jsonObject(
    z.object({
      p256dh: z
        .string()
        .regex(/^B[A-Za-z0-9_-]{86}=?$/, "must be a base64url uncompressed P-256 point (65 bytes)")
        .describe("the user agent's P-256 public key, uncompressed (65 bytes, base64url); it must lie on the curve (else 422 invalid_subscription)"),
      auth: z.string().regex(/^[A-Za-z0-9_-]{22}(==)?$/, "must be a base64url 16-byte secret").describe("16 bytes, base64url"),
    }),
  ).meta({ type: ["object", "string"], description: "{p256dh, auth} (base64url), or that object as a JSON string" }),
});

/** By id, or by the endpoint a browser still knows after `subscription.unsubscribe()`. */
export const PushUnsubscribe = z
  .object({ subscription_id: Id.optional(), endpoint: z.string().min(1).max(2048).optional() })
  .refine((p) => p.subscription_id !== undefined || p.endpoint !== undefined, {
    message: "subscription_id or endpoint is required",
    path: ["subscription_id"],
  })
  .meta({ anyOf: [{ required: ["subscription_id"] }, { required: ["endpoint"] }] });

export const PushMode = z.enum(PUSH_MODES, { error: `must be one of: ${PUSH_MODES.join(", ")}` });

/** The mode, a channel's mute, or both. */
export const PushSettingsSet = z
  .object({ mode: PushMode.optional(), channel_id: Id.optional(), muted: Flag.optional() })
  .refine((p) => p.mode !== undefined || p.channel_id !== undefined, { message: "mode or channel_id is required", path: ["mode"] })
  .refine((p) => (p.channel_id === undefined) === (p.muted === undefined), {
    message: "channel_id and muted go together",
    path: ["muted"],
  })
  .meta({
    anyOf: [{ required: ["mode"] }, { required: ["channel_id", "muted"] }],
    dependentRequired: { channel_id: ["muted"], muted: ["channel_id"] },
  });

export const PushSubscriptionObject = z
  .object({
    subscription_id: z.number().int(),
    endpoint: z.string(),
    created_on_ts: z.number().int(),
  })
  .meta({
    id: "PushSubscription",
    examples: [{ subscription_id: 3, endpoint: "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH", created_on_ts: 1571330672 }],
  });

export const PushSettingsObject = z
  .object({
    mode: PushMode.describe("alerts: mentions, reactions and quotes; all: every message; none: never"),
    muted_channel_ids: z.array(z.number().int()),
  })
  .meta({ id: "PushSettings", examples: [{ mode: "alerts", muted_channel_ids: [11010005] }] });
