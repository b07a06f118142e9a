/**
 * Presence leases in the user room's SQLite (the `leases` table of USER_SCHEMA): one row per live
 * connection of the user anywhere. `room` names who holds the connection (`channel:<id>`, or
 * `self` for the user stream); `expires` is on the user room's clock. Rows vanish when the holder
 * reports the connection gone, or when the holder stops renewing them.
 */
export class LeaseStore {
  constructor(private readonly sql: SqlStorage) {
    // Created where it is used rather than in USER_SCHEMA's versioned steps: rooms opened before
    // tombstones were stored get the table on their next wake-up all the same.
    sql.exec(`CREATE TABLE IF NOT EXISTS lease_tombstones (
      conn_id TEXT PRIMARY KEY,
      until INTEGER NOT NULL
    )`);
  }

  /**
   * Marks a connection gone until `until`: a renewal computed before the close may still arrive,
   * and must not bring the lease back. Stored, so an eviction between the two forgets nothing.
   */
  bury(connId: string, until: number, now: number): void {
    this.sql.exec("DELETE FROM lease_tombstones WHERE until <= ?", now);
    this.sql.exec("INSERT OR REPLACE INTO lease_tombstones (conn_id, until) VALUES (?, ?)", connId, until);
  }

  /** The ids among `connIds` that are not marked gone. */
  alive(connIds: readonly string[], now: number): string[] {
    if (connIds.length === 0) return [];
    const buried = new Set(
      this.sql
        .exec<{ conn_id: string }>(
          "SELECT conn_id FROM lease_tombstones WHERE until > ? AND conn_id IN (SELECT value FROM json_each(?))",
          now,
          JSON.stringify(connIds),
        )
        .toArray()
        .map((r) => r.conn_id),
    );
    return buried.size ? connIds.filter((id) => !buried.has(id)) : [...connIds];
  }

  /** Drops tombstones past their time. */
  forgetBuried(now: number): void {
    this.sql.exec("DELETE FROM lease_tombstones WHERE until <= ?", now);
  }

  upsert(connId: string, room: string, expires: number): void {
    this.sql.exec(
      `INSERT INTO leases (conn_id, room, expires) VALUES (?, ?, ?)
       ON CONFLICT (conn_id) DO UPDATE SET room = excluded.room, expires = excluded.expires`,
      connId,
      room,
      expires,
    );
  }

  /** Drops the lease; answers the room that held it (null: there was none). */
  remove(connId: string): string | null {
    const row = this.sql.exec<{ room: string }>("DELETE FROM leases WHERE conn_id = ? RETURNING room", connId).toArray()[0];
    return row?.room ?? null;
  }

  /**
   * The holder's complete list of live connections: its other leases are dropped at once, these
   * are (re)written with a fresh expiry.
   */
  reconcile(room: string, connIds: readonly string[], expires: number): void {
    this.sql.exec(
      "DELETE FROM leases WHERE room = ? AND conn_id NOT IN (SELECT value FROM json_each(?))",
      room,
      JSON.stringify(connIds),
    );
    for (const id of connIds) this.upsert(id, room, expires);
  }

  /** Drops leases not renewed in time. */
  expire(now: number): void {
    this.sql.exec("DELETE FROM leases WHERE expires <= ?", now);
  }

  countLive(now: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases WHERE expires > ?", now).one().n;
  }

  earliest(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(expires) AS at FROM leases").one().at;
  }
}
