import { ROLE_OWNER } from "../protocol/objects";
import { REDACTED_CONTENT } from "../protocol/redact";
import { type Result, fail, ok } from "../rooms/errors";
import { postTargets } from "./alerts";
import { type MessageObject, messageObjects } from "./messages";
import { newlyMentioned } from "./mentions";
import { deliverAlerts, redactAlerts } from "./notify";
import type { Access, ChannelPort } from "./port";
import type { UnreadPusher } from "./receipts";

export const noMessage = () => fail(404, "message_not_found", "no such message in this channel");

/** Edits a message's text (its author only): `chat.updateMessage` with is_edited, alerts for new mentions. */
export async function updateMessage(
  port: ChannelPort,
  a: Access,
  messageId: number,
  text: string,
  /** a server API key with the moderate scope edits any message */
  moderator = false,
): Promise<Result<{ message: MessageObject }>> {
  const row = port.store.message(messageId);
  if (!row) return noMessage();
  if (!moderator && row.user_id !== a.member.user_id) return fail(403, "not_author", "only the message's author may edit it");
  const now = port.now();
  const { edited, message, frame } = port.store.transaction(() => {
    const edited = port.msgs.editText(messageId, text);
    port.store.rewriteMessage(messageId, text, false);
    const message = messageObjects(port.store, [edited], a.channel.id)[0]!;
    return { edited, message, frame: port.store.appendEvent("chat.updateMessage", { message }, now) };
  });
  port.broadcast(frame);
  const targets = postTargets({
    author: a.member.user_id,
    mentioned: newlyMentioned(row.content_json ? "" : row.content, text),
    quotedAuthor: null,
    isMember: (id) => port.store.member(id) !== null,
  });
  await deliverAlerts(port, a.channel.id, targets, a.member, edited);
  return ok({ message });
}

/**
 * Soft-deletes a message (its author or the channel owner): history leaves it out, the event log
 * and the alerts quoting it stop carrying its text, unread counts of members who had not read it
 * drop (coalesced like new messages).
 */
export async function deleteMessage(port: ChannelPort, a: Access, messageId: number, unread: UnreadPusher): Promise<Result<null>> {
  const row = port.store.message(messageId);
  if (!row) return noMessage();
  if (row.user_id !== a.member.user_id && a.member.user_role !== ROLE_OWNER) {
    return fail(403, "not_allowed", "only the message's author or the channel owner may delete it");
  }
  const now = port.now();
  const frame = port.store.transaction(() => {
    port.msgs.softDelete(messageId);
    port.store.rewriteMessage(messageId, REDACTED_CONTENT, true);
    return port.store.appendEvent("chat.deleteMessage", { message_id: messageId, channel_id: a.channel.id }, now);
  });
  port.broadcast(frame);
  await unread.markDirty(port.msgs.membersBehind(messageId, row.user_id));
  await redactAlerts(port, a.channel.id, messageId);
  return ok(null);
}
