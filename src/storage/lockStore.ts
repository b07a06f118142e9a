/** A file lock row (CHANNEL_SCHEMA `locks`); lock_id only grows, so it is a fencing token. */
export type LockRow = {
  lock_id: number;
  path: string;
  user_id: number;
  ttl_seconds: number;
  expires_on: number;
  created_on: number;
};

export class LockStore {
  constructor(private readonly sql: SqlStorage) {}

  byPath(path: string): LockRow | null {
    return this.sql.exec<LockRow>("SELECT * FROM locks WHERE path = ?", path).toArray()[0] ?? null;
  }

  byId(lockId: number): LockRow | null {
    return this.sql.exec<LockRow>("SELECT * FROM locks WHERE lock_id = ?", lockId).toArray()[0] ?? null;
  }

  insert(path: string, userId: number, ttlSeconds: number, now: number): LockRow {
    return this.sql
      .exec<LockRow>(
        "INSERT INTO locks (path, user_id, ttl_seconds, expires_on, created_on) VALUES (?, ?, ?, ?, ?) RETURNING *",
        path,
        userId,
        ttlSeconds,
        now + ttlSeconds * 1000,
        now,
      )
      .one();
  }

  extend(lockId: number, ttlSeconds: number, now: number): LockRow {
    return this.sql
      .exec<LockRow>(
        "UPDATE locks SET ttl_seconds = ?, expires_on = ? WHERE lock_id = ? RETURNING *",
        ttlSeconds,
        now + ttlSeconds * 1000,
        lockId,
      )
      .one();
  }

  remove(lockId: number): void {
    this.sql.exec("DELETE FROM locks WHERE lock_id = ?", lockId);
  }

  expired(now: number): LockRow[] {
    return this.sql.exec<LockRow>("SELECT * FROM locks WHERE expires_on <= ? ORDER BY expires_on, lock_id", now).toArray();
  }

  /** How many locks `userId` holds here, and when the first of them runs out. */
  heldBy(userId: number): { n: number; first: number | null } {
    return this.sql.exec<{ n: number; first: number | null }>("SELECT COUNT(*) AS n, MIN(expires_on) AS first FROM locks WHERE user_id = ?", userId).one();
  }

  earliestExpiry(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(expires_on) AS t FROM locks").one().t;
  }
}
