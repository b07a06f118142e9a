import { settleAll } from "../ops/log";
import { userRoom } from "../rooms/stubs";
import type { MemberRow, MessageRow } from "../storage/channelStore";
import { type AlertTarget, alertText, postTargets } from "./alerts";
import { mentionedIds } from "./mentions";
import { memberUser } from "./membership";
import type { ChannelPort } from "./port";

function contentOf(row: MessageRow): string | object {
  return row.content_json ? (JSON.parse(row.content) as object) : row.content;
}

/**
 * Hands each alert to its target's user room, which stores it and sends `alert.notification` on
 * the user's stream. One RPC per target (targets are few: capped in alerts.ts); a user room that
 * cannot be reached loses that alert rather than failing the message operation.
 */
export async function deliverAlerts(
  port: ChannelPort,
  channelId: number,
  targets: readonly AlertTarget[],
  from: MemberRow,
  message: MessageRow,
  emoji?: string,
): Promise<void> {
  if (targets.length === 0) return;
  // Recorded before the alerts exist, so a later delete finds every user whose alert quotes it.
  port.msgs.addAlertTargets(message.id, targets.map((t) => t.user_id));
  const now = port.now();
  const user = memberUser(from);
  // Posts also raise the target's unread count; reactions do not (docs/push.md, "Preferences").
  const context = { channel_name: port.store.channel()?.channel_name ?? "", counted_as_unread: emoji === undefined };
  await settleAll(
    "alert delivery failed",
    targets.map((t) =>
      userRoom(port.env, t.user_id).addAlert({
        from: [user],
        message_id: message.id,
        alert_text: alertText(t.reason, from.display_name, contentOf(message), emoji),
        channel_id: channelId,
        created_on: now,
      }, context),
    ),
  );
}

/**
 * A deleted message's alerts lose their text, in the user rooms of everyone alerted about it,
 * members or not any more. A failed call is logged and its target row kept (it names who still
 * holds the text); the delete itself has already happened.
 */
export async function redactAlerts(port: ChannelPort, channelId: number, messageId: number): Promise<void> {
  const users = port.msgs.alertTargets(messageId);
  const results = await settleAll("alert redaction failed", users.map((uid) => userRoom(port.env, uid).redactAlerts(channelId, messageId)));
  port.msgs.dropAlertTargets(messageId, users.filter((_, i) => results[i]!.status === "fulfilled"));
}

/** Alerts for a new post: mentioned members and the quoted message's author (never the poster). */
export async function alertPost(port: ChannelPort, channelId: number, from: MemberRow, message: MessageRow, parent: MessageRow | null): Promise<void> {
  const targets = postTargets({
    author: from.user_id,
    mentioned: message.content_json ? [] : mentionedIds(message.content),
    quotedAuthor: parent?.user_id ?? null,
    isMember: (id) => port.store.member(id) !== null,
  });
  await deliverAlerts(port, channelId, targets, from, message);
}
