/** One row per quota bucket of the user (USER_SCHEMA `quotas`): its level as of `at`. */
export interface Bucket {
  level: number;
  at: number;
}

export class QuotaStore {
  constructor(private readonly sql: SqlStorage) {}

  get(kind: string): Bucket | null {
    return this.sql.exec<{ level: number; at: number }>("SELECT level, at FROM quotas WHERE kind = ?", kind).toArray()[0] ?? null;
  }

  set(kind: string, bucket: Bucket): void {
    this.sql.exec(
      `INSERT INTO quotas (kind, level, at) VALUES (?, ?, ?)
       ON CONFLICT (kind) DO UPDATE SET level = excluded.level, at = excluded.at`,
      kind,
      bucket.level,
      bucket.at,
    );
  }
}
