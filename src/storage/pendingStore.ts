/**
 * Work deferred to the room's alarm, in CHANNEL_SCHEMA's `pending` table: one row per
 * (kind, key), due at `due` (room clock, ms). Scheduling twice keeps the earlier time, which is
 * what coalescing needs: many triggers, one run.
 */
export class PendingStore {
  constructor(private readonly sql: SqlStorage) {}

  schedule(kind: string, key: string | number, due: number): void {
    this.sql.exec(
      `INSERT INTO pending (kind, key, due) VALUES (?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET due = MIN(due, excluded.due)`,
      kind,
      String(key),
      due,
    );
  }

  /**
   * Schedules one row per key in a single statement (keys from a JSON array), for callers whose due
   * times only grow (now + a fixed interval): a key already pending keeps its earlier time and is
   * not rewritten, so a burst of posts writes each member's row once per interval, not per post.
   */
  scheduleMany(kind: string, keys: readonly (string | number)[], due: number): void {
    if (keys.length === 0) return;
    this.sql.exec(
      `INSERT INTO pending (kind, key, due) SELECT ?, CAST(value AS TEXT), ? FROM json_each(?) WHERE true
       ON CONFLICT (kind, key) DO NOTHING`,
      kind,
      due,
      JSON.stringify(keys),
    );
  }

  /** Replaces the due time (used for gates that must move later). */
  set(kind: string, key: string | number, due: number): void {
    this.sql.exec("INSERT OR REPLACE INTO pending (kind, key, due) VALUES (?, ?, ?)", kind, String(key), due);
  }

  get(kind: string, key: string | number): number | null {
    const row = this.sql.exec<{ due: number }>("SELECT due FROM pending WHERE kind = ? AND key = ?", kind, String(key)).toArray()[0];
    return row ? row.due : null;
  }

  remove(kind: string, key: string | number): void {
    this.sql.exec("DELETE FROM pending WHERE kind = ? AND key = ?", kind, String(key));
  }

  /** Takes (returns and deletes) up to `limit` rows of `kind` due at `now`. */
  take(kind: string, now: number, limit: number): string[] {
    return this.sql
      .exec<{ key: string }>(
        `DELETE FROM pending WHERE rowid IN (SELECT rowid FROM pending WHERE kind = ? AND due <= ? ORDER BY due LIMIT ?)
         RETURNING key`,
        kind,
        now,
        limit,
      )
      .toArray()
      .map((r) => r.key);
  }

  /** Moves every row of `kind` due at `now` to `until` (later only: coalescing stays intact). */
  defer(kind: string, now: number, until: number): void {
    this.sql.exec("UPDATE pending SET due = ? WHERE kind = ? AND due <= ?", until, kind, now);
  }

  /** Drops rows of `kind` that are due (gates that have lapsed). */
  dropDue(kind: string, now: number): void {
    this.sql.exec("DELETE FROM pending WHERE kind = ? AND due <= ?", kind, now);
  }

  earliest(kinds: readonly string[]): number | null {
    const row = this.sql
      .exec<{ due: number | null }>("SELECT MIN(due) AS due FROM pending WHERE kind IN (SELECT value FROM json_each(?))", JSON.stringify(kinds))
      .one();
    return row.due;
  }
}
