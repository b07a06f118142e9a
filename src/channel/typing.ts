import { type OutFrame, buildEvent } from "../protocol/envelope";
import type { Meta } from "../storage/sqlite";
import type { Capability, CommandHandlers } from "./capability";
import { memberUser } from "./membership";

export interface TypingDeps {
  /** `_meta` typing:<uid>: the last chat.userTyping delivered for the user, kept across eviction */
  meta: Meta;
  now(): number;
  /** TYPING_INTERVAL_MS */
  intervalMs: number;
  broadcast(frame: OutFrame, target: { except: number }): number;
}

/**
 * `ws_ephemeral_typing` → `chat.userTyping` to the channel's other sockets, at most one per user
 * and channel per interval; the rest are dropped (docs/protocol.md#commands).
 */
export class Typing implements Capability {
  /** a cache of `_meta` typing:<uid> */
  private readonly typingAt = new Map<number, number>();

  constructor(private readonly d: TypingDeps) {}

  readonly commands: CommandHandlers = {
    ws_ephemeral_typing: ({ channel, member }) => {
      const userId = member.user_id;
      const now = this.d.now();
      const last = this.typingAt.get(userId) ?? this.d.meta.get<number>(`typing:${userId}`);
      if (last !== undefined && now - last < this.d.intervalMs) return;
      // Sent before the throttle's write: frames sent after a write wait for its commit (the
      // output gate), and an ephemeral event needs no durable state behind it. A crash between
      // the two would only let one more typing event through.
      this.d.broadcast(buildEvent("chat.userTyping", { user: memberUser(member), channel_id: channel.id }, now), { except: userId });
      this.typingAt.set(userId, now);
      this.d.meta.set(`typing:${userId}`, now);
    },
  };
}
