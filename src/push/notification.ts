import type { PendingPushRow } from "../storage/pushStore";

import { PUSH_MODES, type PushMode, type PushPayload, type UnreadHint } from "../contracts/push";

export { PUSH_MODES, type PushMode, type PushPayload, type UnreadHint };
export const DEFAULT_PUSH_MODE: PushMode = "alerts";

export type PushKind = "alert" | "message";

export function wantsPush(mode: PushMode, kind: PushKind, muted: boolean): boolean {
  if (muted || mode === "none") return false;
  return kind === "alert" || mode === "all";
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
