import type { PendingPushRow } from "../storage/pushStore";

/**
 * What a user is pushed about (docs/push.md, "Preferences"): `alerts` (the default): mentions,
 * reactions and quotes; `all`: every message too; `none`: nothing. A muted channel pushes nothing.
 */
export const PUSH_MODES = ["alerts", "all", "none"] as const;
export type PushMode = (typeof PUSH_MODES)[number];
export const DEFAULT_PUSH_MODE: PushMode = "alerts";

export type PushKind = "alert" | "message";

export function wantsPush(mode: PushMode, kind: PushKind, muted: boolean): boolean {
  if (muted || mode === "none") return false;
  return kind === "alert" || mode === "all";
}

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

/** Title and body stay short: the whole payload must fit the 4 KiB a push service accepts. */
const TITLE_CHARS = 100;
const BODY_CHARS = 300;

function cut(s: string, n: number): string {
  const chars = [...s];
  return chars.length > n ? `${chars.slice(0, n - 1).join("")}…` : s;
}

export function payloadFor(row: PendingPushRow, unread: { channel: number; total: number }): PushPayload {
  const count = Math.max(row.count, 1);
  const title = cut(`#${row.channel_name}`, TITLE_CHARS);
  const body = count > 1 ? `${count} new messages in #${row.channel_name}` : row.body;
  return {
    title,
    body: cut(body, BODY_CHARS),
    channel_id: row.channel_id,
    message_id: row.message_id,
    unread_count: unread.channel,
    total_unread_count: unread.total,
    count,
  };
}
