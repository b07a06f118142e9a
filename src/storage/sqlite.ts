/**
 * Versioned, idempotent SQLite schema for a Durable Object, plus a tiny key/value `_meta` table.
 * Each migration runs once, in order, inside one synchronous transaction with its version bump.
 */
export function migrate(storage: DurableObjectStorage, steps: readonly string[]): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value)");
  const row = sql.exec<{ value: number }>("SELECT value FROM _meta WHERE key = 'schema_version'").toArray()[0];
  const current = row ? Number(row.value) : 0;
  for (let v = current; v < steps.length; v++) {
    storage.transactionSync(() => {
      sql.exec(steps[v]!);
      sql.exec("INSERT OR REPLACE INTO _meta (key, value) VALUES ('schema_version', ?)", v + 1);
    });
  }
}

export class Meta {
  constructor(private readonly sql: SqlStorage) {}

  get<T extends string | number>(key: string): T | undefined {
    const row = this.sql.exec<{ value: T }>("SELECT value FROM _meta WHERE key = ?", key).toArray()[0];
    return row?.value;
  }

  set(key: string, value: string | number): void {
    this.sql.exec("INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)", key, value);
  }

  delete(key: string): void {
    this.sql.exec("DELETE FROM _meta WHERE key = ?", key);
  }
}
