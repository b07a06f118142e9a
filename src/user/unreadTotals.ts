import type { UnreadHint } from "../contracts/push";
import { type UnreadPayload, type UnreadState, sameUnread, unreadPayload } from "../contracts/unread";
import { type OutFrame, buildEvent } from "../protocol/envelope";
import type { PushNotifier } from "../push/notifier";
import { UnreadStore } from "../storage/unreadStore";

/** What the unread totals need of the user room. */
export interface UnreadHost {
  sql: SqlStorage;
  push: PushNotifier;
  now(): number;
  userId(): number | undefined;
  /** sends a frame on the user's stream */
  broadcast(frame: OutFrame): void;
}

/**
 * The user's unread state per channel, as the channel rooms report it, and the total over all of
 * them: each change goes out on the user's stream as `chat.unreadCountUpdate`, and new unread
 * messages become a push notification while the user is offline.
 */
export class UnreadTotals {
  constructor(private readonly h: UnreadHost) {}

  /**
   * A channel's unread state for this user. When it differs from what is held, stores it, sends
   * `chat.unreadCountUpdate` (with the total over all channels) on this stream and returns the
   * payload for the channel room to send to the user's sockets there; null when nothing changed.
   */
  async set(channelId: number, state: UnreadState, hint?: UnreadHint): Promise<UnreadPayload | null> {
    const store = new UnreadStore(this.h.sql);
    const held = store.get(channelId);
    const prev = held ? { channel_unread_count: held.unread_count, oldest_unread_message_id: held.oldest_unread } : null;
    if (sameUnread(prev, state)) return null;
    if (state.channel_unread_count === 0) store.remove(channelId);
    else store.set(channelId, state.channel_unread_count, state.oldest_unread_message_id);
    const payload = unreadPayload(store.total(), channelId, state);
    this.h.broadcast(buildEvent("chat.unreadCountUpdate", payload, this.h.now()));
    const added = state.channel_unread_count - (held?.unread_count ?? 0);
    if (added > 0 && hint) {
      const own = hint.user_id === this.h.userId();
      await this.h.push.event("message", {
        channel_id: channelId,
        channel_name: hint.channel_name,
        body: own ? `New message in #${hint.channel_name}` : `${hint.display_name}: ${hint.snippet}`,
        message_id: hint.message_id,
        count: added,
      });
    }
    return payload;
  }

  /**
   * Forgets a channel's unread state (the user left it, or it was removed). When it held unread
   * messages, the stream gets a `chat.unreadCountUpdate` with the channel at 0 and the new total.
   */
  drop(channelId: number): number {
    const store = new UnreadStore(this.h.sql);
    const held = store.get(channelId);
    store.remove(channelId);
    this.h.push.store.drop(channelId);
    const total = store.total();
    if (held && held.unread_count > 0) {
      const payload = unreadPayload(total, channelId, { channel_unread_count: 0, oldest_unread_message_id: 0 });
      this.h.broadcast(buildEvent("chat.unreadCountUpdate", payload, this.h.now()));
    }
    return total;
  }

  total(): number {
    return new UnreadStore(this.h.sql).total();
  }
}
