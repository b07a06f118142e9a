import type { Meta } from "./sqlite";

/**
 * The channels a user belongs to, as the user room knows them (USER_SCHEMA `channels`): whom a
 * presence transition goes to. Channel rooms own membership and keep this list in step, exactly
 * as they keep D1's `memberships` index in step (`UserRoom.membershipChanged`), so a presence
 * transition costs no directory query: a reconnect storm of 10k users would otherwise be 10k D1
 * queries on one database. `complete` is false for a user room that never learnt the whole list
 * (a user created before the list existed, or whose `created` call failed): it is then read from
 * D1 once (`UserRoom.channelIds`).
 */
export class UserChannelStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: Meta,
  ) {}

  complete(): boolean {
    return this.meta.get("channels_complete") === 1;
  }

  /** Adds the directory's list to what is known and marks the list complete. */
  markComplete(ids: readonly number[]): void {
    for (const id of ids) this.add(id);
    this.meta.set("channels_complete", 1);
  }

  add(channelId: number): void {
    this.sql.exec("INSERT OR IGNORE INTO channels (channel_id) VALUES (?)", channelId);
  }

  remove(channelId: number): void {
    this.sql.exec("DELETE FROM channels WHERE channel_id = ?", channelId);
  }

  ids(): number[] {
    return this.sql.exec<{ channel_id: number }>("SELECT channel_id FROM channels ORDER BY channel_id").toArray().map((r) => r.channel_id);
  }
}
