import type { IndexChange } from "./directory";

/**
 * The channel room's directory outbox: index changes not yet applied to D1, in the order the room
 * committed them. A change is added inside the room's own transaction, so the room and its outbox
 * never disagree; rows leave only after D1 applied them.
 */
export class OutboxStore {
  constructor(private readonly sql: SqlStorage) {
    // Created where it is used rather than in CHANNEL_SCHEMA's versioned steps: rooms opened
    // before the outbox existed get the table on their next wake-up all the same.
    sql.exec(`CREATE TABLE IF NOT EXISTS directory_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      change TEXT NOT NULL,
      created_on INTEGER NOT NULL
    )`);
  }

  add(change: IndexChange, now: number): void {
    this.sql.exec("INSERT INTO directory_outbox (change, created_on) VALUES (?, ?)", JSON.stringify(change), now);
  }

  /** The oldest `limit` rows, in commit order. */
  head(limit: number): { id: number; change: IndexChange; created_on: number }[] {
    return this.sql
      .exec<{ id: number; change: string; created_on: number }>(
        "SELECT id, change, created_on FROM directory_outbox ORDER BY id LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ id: r.id, change: JSON.parse(r.change) as IndexChange, created_on: r.created_on }));
  }

  /** Drops the rows up to and including `id` (all of them delivered). */
  delivered(id: number): void {
    this.sql.exec("DELETE FROM directory_outbox WHERE id <= ?", id);
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM directory_outbox").one().n;
  }
}
