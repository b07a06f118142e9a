import type { AuthorGroup } from "../storage/messageStore";

/**
 * Unread math, pure. A member's unread messages are the live (not deleted) messages
 * after their read cursor that someone else wrote; bot messages count. The store groups the
 * messages after a cursor by author (one SQL aggregate); these functions do the rest.
 */
export interface UnreadState {
  channel_unread_count: number;
  /** 0 when nothing is unread */
  oldest_unread_message_id: number;
}

export const NOTHING_UNREAD: UnreadState = { channel_unread_count: 0, oldest_unread_message_id: 0 };

/** Unread state of `userId` from the author groups of the messages after their cursor. */
export function unreadFromGroups(groups: readonly AuthorGroup[], userId: number): UnreadState {
  let count = 0;
  let oldest = 0;
  for (const g of groups) {
    if (g.user_id === userId || g.n <= 0) continue;
    count += g.n;
    if (oldest === 0 || g.first < oldest) oldest = g.first;
  }
  return { channel_unread_count: count, oldest_unread_message_id: oldest };
}

export interface MessageHead {
  id: number;
  user_id: number;
  deleted?: boolean;
}

/** The grouping the store does in SQL, for a list of messages (the reference definition). */
export function groupAfter(messages: readonly MessageHead[], cursor: number): AuthorGroup[] {
  const by = new Map<number, AuthorGroup>();
  for (const m of messages) {
    if (m.deleted || m.id <= cursor) continue;
    const g = by.get(m.user_id);
    if (g) {
      g.n++;
      g.first = Math.min(g.first, m.id);
    } else by.set(m.user_id, { user_id: m.user_id, n: 1, first: m.id });
  }
  return [...by.values()];
}

export function unreadOf(messages: readonly MessageHead[], cursor: number, userId: number): UnreadState {
  return unreadFromGroups(groupAfter(messages, cursor), userId);
}

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
