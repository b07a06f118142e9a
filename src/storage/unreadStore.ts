/** Per-channel unread state the user room keeps (USER_SCHEMA `unread`), summed for the total. */
export type UnreadRow = { channel_id: number; unread_count: number; oldest_unread: number };

export class UnreadStore {
  constructor(private readonly sql: SqlStorage) {}

  get(channelId: number): UnreadRow | null {
    return this.sql.exec<UnreadRow>("SELECT * FROM unread WHERE channel_id = ?", channelId).toArray()[0] ?? null;
  }

  set(channelId: number, count: number, oldest: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO unread (channel_id, unread_count, oldest_unread) VALUES (?, ?, ?)",
      channelId,
      count,
      oldest,
    );
  }

  remove(channelId: number): void {
    this.sql.exec("DELETE FROM unread WHERE channel_id = ?", channelId);
  }

  total(): number {
    return this.sql.exec<{ t: number | null }>("SELECT SUM(unread_count) AS t FROM unread").one().t ?? 0;
  }
}
