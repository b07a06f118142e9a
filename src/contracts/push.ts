/** A Web Push delivery as it travels on the push queue, from a user room to the consumer (docs/push.md). */
export interface PushTask {
  user_id: number;
  subscription_id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  payload: string;
  /** RFC 8030 §5.4: a newer push of the same topic replaces one the service still holds */
  topic: string;
  urgency: "normal" | "high";
}

/**
 * What a user is pushed about (docs/push.md, "Preferences"): `alerts` (the default): mentions,
 * reactions and quotes; `all`: every message too; `none`: nothing. A muted channel pushes nothing.
 */
export const PUSH_MODES = ["alerts", "all", "none"] as const;
export type PushMode = (typeof PUSH_MODES)[number];

/**
 * What a channel room knows about its newest message when it tells a member's user room about new
 * unread messages: enough to word a notification without the user room asking back.
 */
export interface UnreadHint {
  channel_name: string;
  message_id: number;
  /** the author (a bot: its bot user id) */
  user_id: number;
  display_name: string;
  snippet: string;
}

/** What a channel room adds to an alert for the target's push decision. */
export interface AlertContext {
  channel_name: string;
  /** posts raise the unread count; reactions do not */
  counted_as_unread: boolean;
}

/**
 * A browser's `PushSubscription` (the JSON of `pushManager.subscribe()`): the push service's
 * endpoint and the keys the payload is encrypted to (RFC 8291 §2): `p256dh`, the user agent's
 * P-256 public key, and `auth`, a 16-byte secret.
 */
export interface SubscriptionInput {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushSubscriptionView {
  subscription_id: number;
  endpoint: string;
  created_on_ts: number;
}

export interface PushSettingsView {
  mode: PushMode;
  muted_channel_ids: number[];
}

/** The decrypted payload a service worker receives. */
export interface PushPayload {
  title: string;
  body: string;
  channel_id: number;
  message_id: number;
  /** the channel's unread messages, and the user's over all channels, when the push was sent */
  unread_count: number;
  total_unread_count: number;
  /** messages and alerts this push stands for */
  count: number;
}
