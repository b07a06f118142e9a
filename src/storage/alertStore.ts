/** An alert row (USER_SCHEMA `alerts`); `from_json` is a snapshot of the senders' user objects. */
export type AlertRow = {
  alert_id: number;
  from_json: string;
  message_id: number | null;
  alert_text: string;
  channel_id: number | null;
  is_read: number;
  created_on: number;
};

export interface NewAlert {
  from: object[];
  message_id: number | null;
  alert_text: string;
  channel_id: number | null;
  created_on: number;
}

export class AlertStore {
  constructor(private readonly sql: SqlStorage) {}

  insert(a: NewAlert): AlertRow {
    return this.sql
      .exec<AlertRow>(
        "INSERT INTO alerts (from_json, message_id, alert_text, channel_id, created_on) VALUES (?, ?, ?, ?, ?) RETURNING *",
        JSON.stringify(a.from),
        a.message_id,
        a.alert_text,
        a.channel_id,
        a.created_on,
      )
      .one();
  }

  /** Newest first. */
  list(limit: number): AlertRow[] {
    return this.sql.exec<AlertRow>("SELECT * FROM alerts ORDER BY alert_id DESC LIMIT ?", limit).toArray();
  }

  /** true when the alert exists (acknowledging twice is fine). */
  markRead(alertId: number): boolean {
    return this.sql.exec("UPDATE alerts SET is_read = 1 WHERE alert_id = ? RETURNING alert_id", alertId).toArray().length > 0;
  }

  /** Replaces the text of every alert about one message (it was deleted); how many changed. */
  redact(channelId: number, messageId: number, text: string): number {
    return this.sql
      .exec("UPDATE alerts SET alert_text = ? WHERE channel_id = ? AND message_id = ? RETURNING alert_id", text, channelId, messageId)
      .toArray().length;
  }
}
