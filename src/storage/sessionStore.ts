/**
 * D1 queries on the `sessions` table (migrations/0004_sessions.sql). A session ends by being
 * revoked (`revoked_on` set) or deleted with its user; either way its tokens stop working.
 */
export interface SessionRow {
  id: number;
  user_id: number;
  device: string;
  created_on: number;
  last_seen_on: number;
  revoked_on: number | null;
}

export class SessionStore {
  constructor(private readonly db: D1Database) {}

  async create(userId: number, device: string, now: number): Promise<SessionRow> {
    const row = await this.db
      .prepare("INSERT INTO sessions (user_id, device, created_on, last_seen_on) VALUES (?1, ?2, ?3, ?3) RETURNING *")
      .bind(userId, device, now)
      .first<SessionRow>();
    if (!row) throw new Error("session insert returned no row");
    return row;
  }

  async get(id: number): Promise<SessionRow | null> {
    return this.db.prepare("SELECT * FROM sessions WHERE id = ?1").bind(id).first<SessionRow>();
  }

  /** The user's sessions that are neither revoked nor created before `since`, newest first. */
  async live(userId: number, since: number): Promise<SessionRow[]> {
    const { results } = await this.db
      .prepare("SELECT * FROM sessions WHERE user_id = ?1 AND revoked_on IS NULL AND created_on > ?2 ORDER BY id DESC")
      .bind(userId, since)
      .all<SessionRow>();
    return results;
  }

  async touch(id: number, now: number): Promise<void> {
    await this.db.prepare("UPDATE sessions SET last_seen_on = ?2 WHERE id = ?1 AND last_seen_on < ?2").bind(id, now).run();
  }

  /**
   * Revokes the user's live sessions: `only` one of them, or all but `except`. Answers the ids
   * revoked (empty: none matched, e.g. another user's session id).
   */
  async revoke(userId: number, now: number, which: { only: number } | { except: number | null }): Promise<number[]> {
    const stmt =
      "only" in which
        ? this.db
            .prepare("UPDATE sessions SET revoked_on = ?2 WHERE user_id = ?1 AND id = ?3 AND revoked_on IS NULL RETURNING id")
            .bind(userId, now, which.only)
        : this.db
            .prepare("UPDATE sessions SET revoked_on = ?2 WHERE user_id = ?1 AND id IS NOT ?3 AND revoked_on IS NULL RETURNING id")
            .bind(userId, now, which.except);
    const { results } = await stmt.all<{ id: number }>();
    return results.map((r) => r.id);
  }

  /** Drops the user's rows that no token can use any more: revoked ones, and those older than `before`. */
  async prune(userId: number, before: number): Promise<void> {
    await this.db
      .prepare("DELETE FROM sessions WHERE user_id = ?1 AND (revoked_on IS NOT NULL OR created_on <= ?2)")
      .bind(userId, before)
      .run();
  }

  deleteAllStatement(userId: number): D1PreparedStatement {
    return this.db.prepare("DELETE FROM sessions WHERE user_id = ?1").bind(userId);
  }
}
