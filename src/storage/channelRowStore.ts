/** The channel's own row (CHANNEL_SCHEMA `channel`): its name, creator, activity and removal. */
export type ChannelRow = {
  id: number;
  channel_name: string;
  created_by: number;
  created_on: number;
  last_active_on: number;
  removed: number;
};

/**
 * The only reader and writer of the `channel` table. The row is read once and kept: every socket's
 * auth and every presence change asks for it; each write below drops it, and so does a
 * rolled-back transaction (`forget`).
 */
export class ChannelRowStore {
  private cached: ChannelRow | null | undefined = undefined;

  constructor(private readonly sql: SqlStorage) {}

  /** The row (null before the channel is created). Treat it as read-only. */
  get(): ChannelRow | null {
    if (this.cached === undefined) {
      this.cached = this.sql.exec<ChannelRow>("SELECT * FROM channel LIMIT 1").toArray()[0] ?? null;
    }
    return this.cached;
  }

  create(row: Omit<ChannelRow, "removed">): void {
    this.cached = undefined;
    this.sql.exec(
      "INSERT INTO channel (id, channel_name, created_by, created_on, last_active_on) VALUES (?, ?, ?, ?, ?)",
      row.id,
      row.channel_name,
      row.created_by,
      row.created_on,
      row.last_active_on,
    );
  }

  touch(now: number): void {
    this.cached = undefined;
    this.sql.exec("UPDATE channel SET last_active_on = ?", now);
  }

  rename(name: string): void {
    this.cached = undefined;
    this.sql.exec("UPDATE channel SET channel_name = ?", name);
  }

  markRemoved(): void {
    this.cached = undefined;
    this.sql.exec("UPDATE channel SET removed = 1");
  }

  /** Storage may differ from memory now (a transaction rolled back). */
  forget(): void {
    this.cached = undefined;
  }
}
