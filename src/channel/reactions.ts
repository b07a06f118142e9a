import { type Result, ok } from "../rooms/errors";
import { type Capability, replyFailure } from "./capability";
import { reactionTarget } from "./alerts";
import { noMessage } from "./edits";
import { type MessageObject, messageObjects } from "./messages";
import { deliverAlerts } from "./notify";
import type { Access, ChannelPort } from "./port";

/**
 * Adds or removes the caller's reaction `emoji` on a message. Adding is idempotent per user and
 * emoji; only a change emits `chat.updateMessage` (emoticons [{uid, dn, ev}]), and only a new
 * reaction by someone other than the author alerts the author.
 */
export async function react(
  port: ChannelPort,
  a: Access,
  input: { message_id: number; emoji: string; remove: boolean },
): Promise<Result<{ message: MessageObject }>> {
  const row = port.store.message(input.message_id);
  if (!row) return noMessage();
  const uid = a.member.user_id;
  const now = port.now();
  const { changed, message, frame } = port.store.transaction(() => {
    const changed = input.remove
      ? port.msgs.removeReaction(row.id, uid, input.emoji)
      : port.msgs.addReaction(row.id, uid, input.emoji, a.member.display_name, now);
    const message = messageObjects(port.store, [row], a.channel.id)[0]!;
    return { changed, message, frame: changed ? port.store.appendEvent("chat.updateMessage", { message }, now) : null };
  });
  if (frame) port.broadcast(frame);
  if (changed && !input.remove) {
    const target = reactionTarget({ reactor: uid, author: row.user_id, isMember: (id) => port.store.member(id) !== null });
    if (target) await deliverAlerts(port, a.channel.id, [target], a.member, row, input.emoji);
  }
  return ok({ message });
}

/** `ws_add_reaction` / `ws_remove_reaction` on a socket or the user stream. */
export function reactionsCapability(port: ChannelPort): Capability {
  const handler = async (a: Access, c: { command: string; message_id: number; emoji_value: string }) =>
    replyFailure(await react(port, a, { message_id: c.message_id, emoji: c.emoji_value, remove: c.command === "ws_remove_reaction" }));
  return { commands: { ws_add_reaction: handler, ws_remove_reaction: handler } };
}
