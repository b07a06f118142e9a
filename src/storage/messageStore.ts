import { ReadCursors } from "./memberStore";

export type MessageRow = {
  id: number;
  user_id: number;
  display_name: string;
  message_type: number;
  content: string;
  content_json: number;
  parent_id: number | null;
  is_edited: number;
  deleted: number;
  created_on: number;
};

export type ReactionRow = {
  message_id: number;
  user_id: number;
  emoji: string;
  display_name: string;
};

export interface NewMessage {
  user_id: number;
  display_name: string;
  message_type: number;
  content: string | object;
  parent_id: number | null;
  created_on: number;
}

/** Messages after a cursor, grouped by author: what unread math needs (see channel/reads.ts). */
export type AuthorGroup = { user_id: number; n: number; first: number };

/**
 * The channel's messages and what happens to them after they are posted: edits, soft deletes,
 * reactions, read receipts, and who was alerted about each (CHANNEL_SCHEMA `messages`,
 * `reactions`, `reads`, `alert_targets`). The only reader and writer of those tables; it keeps
 * nothing in memory, so any number of instances agree. Every query is parameterized.
 */
export class MessageStore {
  private readonly cursors: ReadCursors;

  constructor(private readonly sql: SqlStorage) {
    this.cursors = new ReadCursors(sql);
  }

  insert(m: NewMessage): MessageRow {
    const isJson = typeof m.content !== "string";
    const content = isJson ? JSON.stringify(m.content) : (m.content as string);
    return this.sql
      .exec<MessageRow>(
        `INSERT INTO messages (user_id, display_name, message_type, content, content_json, parent_id, created_on)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        m.user_id,
        m.display_name,
        m.message_type,
        content,
        isJson ? 1 : 0,
        m.parent_id,
        m.created_on,
      )
      .one();
  }

  /** A live (not deleted) message. */
  message(id: number): MessageRow | null {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE id = ? AND deleted = 0", id).toArray()[0] ?? null;
  }

  latestMessageId(): number {
    const row = this.sql.exec<{ id: number | null }>("SELECT MAX(id) AS id FROM messages").one();
    return row.id ?? 0;
  }

  /**
   * One page of live (not deleted) messages, oldest → newest. `before` pages backwards from the
   * newest below it; `after` pages forwards from the oldest above it; neither = the newest page.
   */
  page(q: { before?: number; after?: number; limit: number }): { rows: MessageRow[]; hasMore: boolean } {
    const take = q.limit + 1;
    let rows: MessageRow[];
    if (q.after !== undefined) {
      rows = this.sql
        .exec<MessageRow>("SELECT * FROM messages WHERE deleted = 0 AND id > ? ORDER BY id ASC LIMIT ?", q.after, take)
        .toArray();
      const hasMore = rows.length > q.limit;
      return { rows: rows.slice(0, q.limit), hasMore };
    }
    rows = this.sql
      .exec<MessageRow>(
        "SELECT * FROM messages WHERE deleted = 0 AND id < ? ORDER BY id DESC LIMIT ?",
        q.before ?? Number.MAX_SAFE_INTEGER,
        take,
      )
      .toArray();
    const hasMore = rows.length > q.limit;
    return { rows: rows.slice(0, q.limit).reverse(), hasMore };
  }

  reactionsFor(ids: readonly number[]): Map<number, ReactionRow[]> {
    const out = new Map<number, ReactionRow[]>();
    if (ids.length === 0) return out;
    const rows = this.sql
      .exec<ReactionRow>(
        `SELECT message_id, user_id, emoji, display_name FROM reactions
         WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY created_on, rowid`,
        JSON.stringify(ids),
      )
      .toArray();
    for (const r of rows) {
      const list = out.get(r.message_id) ?? [];
      list.push(r);
      out.set(r.message_id, list);
    }
    return out;
  }

  readersFor(ids: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    if (ids.length === 0) return out;
    const rows = this.sql
      .exec<{ message_id: number; user_id: number }>(
        "SELECT message_id, user_id FROM reads WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
        JSON.stringify(ids),
      )
      .toArray();
    for (const r of rows) {
      const list = out.get(r.message_id) ?? [];
      list.push(r.user_id);
      out.set(r.message_id, list);
    }
    return out;
  }

  /** A deleted account: its messages, quotes and reactions stay, under `name`. */
  renameAuthor(userId: number, name: string): void {
    this.sql.exec("UPDATE messages SET display_name = ? WHERE user_id = ?", name, userId);
    this.sql.exec("UPDATE reactions SET display_name = ? WHERE user_id = ?", name, userId);
  }

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

  /** Live messages after `cursor`, grouped by author (one row per distinct author). */
  groupsAfter(cursor: number): AuthorGroup[] {
    return this.sql
      .exec<AuthorGroup>(
        "SELECT user_id, COUNT(*) AS n, MIN(id) AS first FROM messages WHERE deleted = 0 AND id > ? GROUP BY user_id",
        cursor,
      )
      .toArray();
  }

  // Read cursors are member columns (memberStore.ts); these keep the channel's callers of
  // MessageStore working.
  cursor(userId: number): number | null {
    return this.cursors.cursor(userId);
  }

  advanceCursor(userId: number, to: number): boolean {
    return this.cursors.advance(userId, to);
  }

  membersBehind(id: number, except: number | null): number[] {
    return this.cursors.behind(id, except);
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
