import type { MetaKey, MetaKeyOf, MetaScalar, MetaValue } from "./metaKeys";

/**
 * Versioned, idempotent SQLite schema for a Durable Object, plus a tiny key/value `_meta` table.
 * Each migration runs once, in order, inside one synchronous transaction with its version bump.
 * True when the storage had no schema before (the object is new, or its storage was deleted).
 */
export function migrate(storage: DurableObjectStorage, steps: readonly string[]): boolean {
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
  return current === 0;
}

/**
 * The `_meta` key/value table behind a write-through cache: every socket's auth and every presence
 * change reads a few keys (epoch, ping check, presence versions), and a SQLite round trip per read
 * was a tenth of the connect path's CPU. One instance per storage (`Meta.of`), so that every
 * reader sees every write; `forget()` after a rolled-back transaction. Keys and value types come
 * from the registry in metaKeys.ts.
 */
export class Meta {
  private static readonly instances = new WeakMap<SqlStorage, Meta>();
  private readonly cache = new Map<MetaKey, MetaScalar | undefined>();

  private constructor(private readonly sql: SqlStorage) {}

  static of(sql: SqlStorage): Meta {
    let meta = Meta.instances.get(sql);
    if (!meta) {
      meta = new Meta(sql);
      Meta.instances.set(sql, meta);
    }
    return meta;
  }

  get<K extends MetaKey>(key: K): MetaValue<K> | undefined;
  /** The value of a key known to hold a T (the older spelling, `get<number>("seq")`). */
  get<T extends MetaScalar>(key: MetaKeyOf<T>): T | undefined;
  get(key: MetaKey): MetaScalar | undefined {
    if (this.cache.has(key)) return this.cache.get(key);
    const row = this.sql.exec<{ value: MetaScalar }>("SELECT value FROM _meta WHERE key = ?", key).toArray()[0];
    this.cache.set(key, row?.value);
    return row?.value;
  }

  set<K extends MetaKey>(key: K, value: MetaValue<K>): void {
    this.cache.delete(key); // if the write throws, the next read goes to SQLite
    this.sql.exec("INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)", key, value);
    this.cache.set(key, value);
  }

  delete(key: MetaKey): void {
    this.cache.delete(key);
    this.sql.exec("DELETE FROM _meta WHERE key = ?", key);
    this.cache.set(key, undefined);
  }

  /** Drops everything cached (a transaction rolled back: storage may now differ from memory). */
  forget(): void {
    this.cache.clear();
  }
}
