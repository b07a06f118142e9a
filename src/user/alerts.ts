import type { AlertObject } from "../contracts/alerts";
import type { UserObject } from "../protocol/objects";
import { unixSeconds } from "../protocol/objects";
import type { AlertRow } from "../storage/alertStore";

/** The alert object `{alert_id, from, message_id, alert_text, channel_id, is_read, created_on_ts}` from its row (also the `alert.notification` payload). */
export function alertObject(row: AlertRow): AlertObject {
  return {
    alert_id: row.alert_id,
    from: JSON.parse(row.from_json) as UserObject[],
    message_id: row.message_id,
    alert_text: row.alert_text,
    channel_id: row.channel_id,
    is_read: row.is_read === 1,
    created_on_ts: unixSeconds(row.created_on),
  };
}

/** user.alerts answers at most this many, newest first. */
export const ALERTS_PAGE = 100;

/** An alert's text once the message it quotes was deleted (the snippet must not outlive it). */
export const DELETED_ALERT_TEXT = "This message was deleted.";
