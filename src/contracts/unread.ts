/**
 * A channel's unread state for one member, as a channel room reports it to the member's user room,
 * and the `chat.unreadCountUpdate` payload built from it (docs/protocol.md, "Events and recipients").
 */
export interface UnreadState {
  channel_unread_count: number;
  /** 0 when nothing is unread */
  oldest_unread_message_id: number;
}

export const NOTHING_UNREAD: UnreadState = { channel_unread_count: 0, oldest_unread_message_id: 0 };

export function sameUnread(a: UnreadState | null, b: UnreadState): boolean {
  const prev = a ?? NOTHING_UNREAD;
  return prev.channel_unread_count === b.channel_unread_count && prev.oldest_unread_message_id === b.oldest_unread_message_id;
}

/** `chat.unreadCountUpdate` payload, keys in the seed's order. */
export function unreadPayload(total: number, channelId: number, s: UnreadState) {
  return {
    total_unread_count: total,
    channel_id: channelId,
    channel_unread_count: s.channel_unread_count,
    oldest_unread_message_id: s.oldest_unread_message_id,
  };
}

export type UnreadPayload = ReturnType<typeof unreadPayload>;
