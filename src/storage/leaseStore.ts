/**
 * Presence leases in the user room's SQLite (the `leases` table of USER_SCHEMA): one row per live
 * connection of the user anywhere. `room` names who holds the connection (`channel:<id>`, or
 * `self` for the user stream); `expires` is on the user room's clock. Rows vanish when the holder
 * reports the connection gone, or when the holder stops renewing them.
 */
export class LeaseStore {
  constructor(private readonly sql: SqlStorage) {}

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
