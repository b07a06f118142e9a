import { z } from "zod";
import * as W from "../pushSchemas";
import { type RouteSpec, ok, None } from "./spec";

/** Web Push subscriptions and preferences (docs/push.md). */
export const pushRoutes = [
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
