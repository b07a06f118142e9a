/**
 * The channel room's record of the sockets its fan-out shards hold: how many of each user's
 * authenticated sockets each shard `k` has admitted (table `shard_sockets`). It decides which
 * shards get the channel's events (those with a socket), where the next socket goes, and counts
 * a user's sockets across the whole channel. Kept in memory after the first read: every event
 * asks for the active shards.
 */
export class ShardStore {
  private rows: Map<number, Map<number, number>> | null = null;

  constructor(private readonly sql: SqlStorage) {}

  private load(): Map<number, Map<number, number>> {
    if (!this.rows) {
      this.rows = new Map();
      for (const r of this.sql.exec<{ k: number; user_id: number; n: number }>("SELECT k, user_id, n FROM shard_sockets")) {
        this.byShard(r.k).set(r.user_id, r.n);
      }
    }
    return this.rows;
  }

  private byShard(k: number): Map<number, number> {
    let users = this.rows!.get(k);
    if (!users) {
      users = new Map();
      this.rows!.set(k, users);
    }
    return users;
  }

  /** Whether any shard holds a socket (asked on every event: a small channel never has one). */
  any(): boolean {
    return this.load().size > 0;
  }

  /** Shards holding at least one admitted socket, in index order. */
  active(): number[] {
    return [...this.load().keys()].sort((a, b) => a - b);
  }

  /** Admitted sockets on shard `k`. */
  sockets(k: number): number {
    let sum = 0;
    for (const n of this.load().get(k)?.values() ?? []) sum += n;
    return sum;
  }

  /** The user's admitted sockets on every shard together. */
  ofUser(userId: number): number {
    let sum = 0;
    for (const users of this.load().values()) sum += users.get(userId) ?? 0;
    return sum;
  }

  admitted(k: number, userId: number): void {
    this.load();
    const users = this.byShard(k);
    const n = (users.get(userId) ?? 0) + 1;
    this.sql.exec("INSERT OR REPLACE INTO shard_sockets (k, user_id, n) VALUES (?, ?, ?)", k, userId, n);
    users.set(userId, n);
  }

  left(k: number, userId: number): void {
    const users = this.load().get(k);
    const n = (users?.get(userId) ?? 0) - 1;
    if (!users || n < 0) return;
    if (n === 0) {
      this.sql.exec("DELETE FROM shard_sockets WHERE k = ? AND user_id = ?", k, userId);
      users.delete(userId);
      if (users.size === 0) this.rows!.delete(k);
    } else {
      this.sql.exec("UPDATE shard_sockets SET n = ? WHERE k = ? AND user_id = ?", n, k, userId);
      users.set(userId, n);
    }
  }

  /** Whether shard `k` holds an admitted socket of the user. */
  holds(k: number, userId: number): boolean {
    return (this.load().get(k)?.get(userId) ?? 0) > 0;
  }
}
