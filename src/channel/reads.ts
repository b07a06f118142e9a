import type { AuthorGroup } from "../storage/messageStore";
import type { UnreadState } from "../contracts/unread";

export { NOTHING_UNREAD, type UnreadPayload, type UnreadState, sameUnread, unreadPayload } from "../contracts/unread";

/**
 * Unread math, pure. A member's unread messages are the live (not deleted) messages
 * after their read cursor that someone else wrote; bot messages count. The store groups the
 * messages after a cursor by author (one SQL aggregate); these functions do the rest.
 */

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
