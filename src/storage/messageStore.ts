import type { MessageRow } from "./channelStore";

/** Messages after a cursor, grouped by author: what unread math needs (see channel/reads.ts). */
export type AuthorGroup = { user_id: number; n: number; first: number };

/**
 * What happens to a message after it is posted: edits, soft deletes, reactions, read receipts,
 * and members' read cursors. Tables belong to CHANNEL_SCHEMA (channelStore.ts); every query is
 * parameterized.
 */
export class MessageStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The message even when deleted (null only when it never existed). */
  anyMessage(id: number): MessageRow | null {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE id = ?", id).toArray()[0] ?? null;
  }

  editText(id: number, text: string): MessageRow {
    return this.sql
      .exec<MessageRow>("UPDATE messages SET content = ?, content_json = 0, is_edited = 1 WHERE id = ? RETURNING *", text, id)
      .one();
  }

  softDelete(id: number): void {
    this.sql.exec("UPDATE messages SET deleted = 1 WHERE id = ?", id);
  }

  /** true when the reaction is new (adding is idempotent per user and emoji). */
  addReaction(messageId: number, userId: number, emoji: string, displayName: string, now: number): boolean {
    const rows = this.sql
      .exec(
        `INSERT INTO reactions (message_id, user_id, emoji, display_name, created_on) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING message_id`,
        messageId,
        userId,
        emoji,
        displayName,
        now,
      )
      .toArray();
    return rows.length > 0;
  }

  /** true when a reaction was removed. */
  removeReaction(messageId: number, userId: number, emoji: string): boolean {
    const rows = this.sql
      .exec("DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ? RETURNING message_id", messageId, userId, emoji)
      .toArray();
    return rows.length > 0;
  }

  /** true when the reader is new for that message. */
  addRead(messageId: number, userId: number): boolean {
    const rows = this.sql
      .exec("INSERT INTO reads (message_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING message_id", messageId, userId)
      .toArray();
    return rows.length > 0;
  }

  cursor(userId: number): number | null {
    const row = this.sql.exec<{ read_cursor: number }>("SELECT read_cursor FROM members WHERE user_id = ?", userId).toArray()[0];
    return row ? row.read_cursor : null;
  }

  /** Moves a member's read cursor forward only; true when it moved. */
  advanceCursor(userId: number, to: number): boolean {
    const rows = this.sql
      .exec("UPDATE members SET read_cursor = ? WHERE user_id = ? AND read_cursor < ? RETURNING user_id", to, userId, to)
      .toArray();
    return rows.length > 0;
  }

  /** Live messages after `cursor`, grouped by author (one row per distinct author). */
  groupsAfter(cursor: number): AuthorGroup[] {
    return this.sql
      .exec<AuthorGroup>(
        "SELECT user_id, COUNT(*) AS n, MIN(id) AS first FROM messages WHERE deleted = 0 AND id > ? GROUP BY user_id",
        cursor,
      )
      .toArray();
  }

  /** Members (other than `except`) whose cursor is below `id`: those a message `id` concerns. */
  membersBehind(id: number, except: number | null): number[] {
    return this.sql
      .exec<{ user_id: number }>(
        "SELECT user_id FROM members WHERE read_cursor < ? AND user_id IS NOT ? ORDER BY user_id",
        id,
        except,
      )
      .toArray()
      .map((r) => r.user_id);
  }

  /** Remembers who was alerted about a message (alert_targets), so its delete can redact them. */
  addAlertTargets(messageId: number, userIds: readonly number[]): void {
    for (const uid of userIds) {
      this.sql.exec("INSERT OR IGNORE INTO alert_targets (message_id, user_id) VALUES (?, ?)", messageId, uid);
    }
  }

  alertTargets(messageId: number): number[] {
    return this.sql
      .exec<{ user_id: number }>("SELECT user_id FROM alert_targets WHERE message_id = ? ORDER BY user_id", messageId)
      .toArray()
      .map((r) => r.user_id);
  }

  dropAlertTargets(messageId: number, userIds: readonly number[]): void {
    for (const uid of userIds) this.sql.exec("DELETE FROM alert_targets WHERE message_id = ? AND user_id = ?", messageId, uid);
  }
}
