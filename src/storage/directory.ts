import type { UserProfile } from "../protocol/objects";

/** Who may add the user to a channel (`user.settings.set`): anyone, or people sharing a live channel. */
export const INVITES_FROM = ["anyone", "shared_channels"] as const;
export type InvitesFrom = (typeof INVITES_FROM)[number];

/**
 * D1 directory queries: users, channels, and the membership index the channel rooms keep in step.
 * Every statement is parameterized.
 */
interface UserRow {
  id: number;
  email: string;
  display_name: string;
  password_hash: string;
  has_avatar: number;
  created_on: number;
  last_active_on: number;
}

export interface UserRecord extends UserProfile {
  password_hash: string;
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    display_name: row.display_name,
    has_avatar: row.has_avatar === 1,
    last_active_on: row.last_active_on,
    password_hash: row.password_hash,
  };
}

export function profileOf(record: UserRecord): UserProfile {
  const { password_hash: _secret, ...profile } = record;
  return profile;
}

export interface IndexMember {
  user_id: number;
  user_role: number;
}

/**
 * One change of a channel's entry in the directory, as its room records it in the outbox
 * (src/storage/outboxStore.ts) in the same transaction as the change itself.
 */
export type IndexChange =
  | { op: "set_members"; channel_id: number; members: IndexMember[] }
  | { op: "remove_member"; channel_id: number; user_id: number }
  | { op: "replace_members"; channel_id: number; members: IndexMember[] }
  | { op: "rename"; channel_id: number; channel_name: string }
  | { op: "remove_channel"; channel_id: number };

export class Directory {
  constructor(private readonly db: D1Database) {}

  /** null when the email is taken (case-insensitively). */
  async createUser(email: string, name: string, passwordHash: string, now: number): Promise<UserRecord | null> {
    const row = await this.db
      .prepare(
        `INSERT INTO users (email, email_lower, display_name, password_hash, has_avatar, created_on, last_active_on)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)
         ON CONFLICT (email_lower) DO NOTHING
         RETURNING *`,
      )
      .bind(email, email.toLowerCase(), name, passwordHash, now)
      .first<UserRow>();
    return row ? toRecord(row) : null;
  }

  async userByEmail(email: string): Promise<UserRecord | null> {
    const row = await this.db.prepare("SELECT * FROM users WHERE email_lower = ?1").bind(email.toLowerCase()).first<UserRow>();
    return row ? toRecord(row) : null;
  }

  async userById(id: number): Promise<UserRecord | null> {
    const row = await this.db.prepare("SELECT * FROM users WHERE id = ?1").bind(id).first<UserRow>();
    return row ? toRecord(row) : null;
  }

  async userExists(id: number): Promise<boolean> {
    return (await this.db.prepare("SELECT 1 AS one FROM users WHERE id = ?1").bind(id).first()) !== null;
  }

  /** Users for the given ids, in no particular order; missing ids are simply absent. */
  async usersByIds(ids: readonly number[]): Promise<UserRecord[]> {
    if (ids.length === 0) return [];
    const { results } = await this.db
      .prepare("SELECT * FROM users WHERE id IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(ids))
      .all<UserRow>();
    return results.map(toRecord);
  }

  async usersByEmails(emails: readonly string[]): Promise<UserRecord[]> {
    if (emails.length === 0) return [];
    const { results } = await this.db
      .prepare("SELECT * FROM users WHERE email_lower IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(emails.map((e) => e.toLowerCase())))
      .all<UserRow>();
    return results.map(toRecord);
  }

  async updateProfile(id: number, name: string | undefined, hasAvatar: boolean | undefined): Promise<UserRecord | null> {
    const row = await this.db
      .prepare(
        `UPDATE users SET display_name = COALESCE(?2, display_name), has_avatar = COALESCE(?3, has_avatar)
         WHERE id = ?1 RETURNING *`,
      )
      .bind(id, name ?? null, hasAvatar === undefined ? null : hasAvatar ? 1 : 0)
      .first<UserRow>();
    return row ? toRecord(row) : null;
  }

  /** The user's `invites_from` setting; null when there is no such user. */
  async invitesFrom(id: number): Promise<InvitesFrom | null> {
    const row = await this.db.prepare("SELECT invites_from FROM users WHERE id = ?1").bind(id).first<{ invites_from: InvitesFrom }>();
    return row?.invites_from ?? null;
  }

  async setInvitesFrom(id: number, value: InvitesFrom): Promise<InvitesFrom | null> {
    const row = await this.db
      .prepare("UPDATE users SET invites_from = ?2 WHERE id = ?1 RETURNING invites_from")
      .bind(id, value)
      .first<{ invites_from: InvitesFrom }>();
    return row?.invites_from ?? null;
  }

  /** Those of `userIds` who accept invitations only from people sharing a live channel, and share none with `inviterId`. */
  async refusingInvitesFrom(inviterId: number, userIds: readonly number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const { results } = await this.db
      .prepare(
        `SELECT u.id FROM users u
         WHERE u.id IN (SELECT value FROM json_each(?2)) AND u.invites_from = 'shared_channels' AND u.id <> ?1
           AND NOT EXISTS (
             SELECT 1 FROM memberships mine
             JOIN memberships theirs ON theirs.channel_id = mine.channel_id AND theirs.user_id = u.id
             JOIN channels c ON c.id = mine.channel_id AND c.removed = 0
             WHERE mine.user_id = ?1)`,
      )
      .bind(inviterId, JSON.stringify(userIds))
      .all<{ id: number }>();
    return results.map((r) => r.id);
  }

  async touchUser(id: number, now: number): Promise<void> {
    await this.db.prepare("UPDATE users SET last_active_on = ?2 WHERE id = ?1").bind(id, now).run();
  }

  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.db.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1").bind(id, passwordHash).run();
  }

  /**
   * Removes the account from the directory in one batch: the user row (its email can register
   * again), what is left of its membership index, its login throttle, and `alsoRun` (its sessions).
   */
  async deleteUser(user: UserRecord, alsoRun: D1PreparedStatement[]): Promise<void> {
    await this.db.batch([
      this.db.prepare("DELETE FROM memberships WHERE user_id = ?1").bind(user.id),
      this.db.prepare("DELETE FROM login_throttle WHERE account = ?1").bind(user.email.toLowerCase()),
      this.db.prepare("DELETE FROM users WHERE id = ?1").bind(user.id),
      ...alsoRun,
    ]);
  }

  // --- login throttle -------------------------------------------------------------------------

  async throttle(account: string): Promise<{ failures: number; locked_until: number } | null> {
    return this.db
      .prepare("SELECT failures, locked_until FROM login_throttle WHERE account = ?1")
      .bind(account)
      .first<{ failures: number; locked_until: number }>();
  }

  /**
   * Replaces the account's throttle row only if it still reads `prev` (null: no row yet), so two
   * concurrent logins can never both build on the same count. True when this call won.
   */
  async swapThrottle(
    account: string,
    prev: { failures: number; locked_until: number } | null,
    next: { failures: number; locked_until: number },
  ): Promise<boolean> {
    const statement = prev
      ? this.db
          .prepare(
            `UPDATE login_throttle SET failures = ?2, locked_until = ?3
             WHERE account = ?1 AND failures = ?4 AND locked_until = ?5`,
          )
          .bind(account, next.failures, next.locked_until, prev.failures, prev.locked_until)
      : this.db
          .prepare("INSERT INTO login_throttle (account, failures, locked_until) VALUES (?1, ?2, ?3) ON CONFLICT (account) DO NOTHING")
          .bind(account, next.failures, next.locked_until);
    const { meta } = await statement.run();
    return meta.changes === 1;
  }

  async clearThrottle(account: string): Promise<void> {
    await this.db.prepare("DELETE FROM login_throttle WHERE account = ?1").bind(account).run();
  }

  // --- channels and the membership index -----------------------------------------------------

  async createChannel(name: string, createdBy: number, now: number): Promise<number> {
    const row = await this.db
      .prepare("INSERT INTO channels (channel_name, created_by, created_on) VALUES (?1, ?2, ?3) RETURNING id")
      .bind(name, createdBy, now)
      .first<{ id: number }>();
    if (!row) throw new Error("channel insert returned no row");
    return row.id;
  }

  async channelExists(id: number): Promise<{ removed: boolean } | null> {
    const row = await this.db.prepare("SELECT removed FROM channels WHERE id = ?1").bind(id).first<{ removed: number }>();
    return row ? { removed: row.removed === 1 } : null;
  }

  async channelIdsOf(userId: number): Promise<number[]> {
    const { results } = await this.db
      .prepare(
        `SELECT m.channel_id AS id FROM memberships m JOIN channels c ON c.id = m.channel_id
         WHERE m.user_id = ?1 AND c.removed = 0 ORDER BY m.channel_id`,
      )
      .bind(userId)
      .all<{ id: number }>();
    return results.map((r) => r.id);
  }

  /** Runs index changes in order, in one D1 transaction (the directory outbox's delivery). */
  async apply(changes: readonly IndexChange[]): Promise<void> {
    const statements = changes.flatMap((c) => this.statements(c));
    if (statements.length) await this.db.batch(statements);
  }

  /**
   * The statements of one index change. Each leaves the same rows however often it runs, so a
   * delivery that is retried after D1 applied it (the room never heard back) changes nothing.
   */
  private statements(change: IndexChange): D1PreparedStatement[] {
    const upsert = (channelId: number, m: IndexMember) =>
      this.db
        .prepare(
          `INSERT INTO memberships (user_id, channel_id, user_role) VALUES (?1, ?2, ?3)
           ON CONFLICT (user_id, channel_id) DO UPDATE SET user_role = excluded.user_role`,
        )
        .bind(m.user_id, channelId, m.user_role);
    switch (change.op) {
      case "set_members":
        return change.members.map((m) => upsert(change.channel_id, m));
      case "remove_member":
        return [this.db.prepare("DELETE FROM memberships WHERE channel_id = ?1 AND user_id = ?2").bind(change.channel_id, change.user_id)];
      case "replace_members":
        return [
          this.db
            .prepare("DELETE FROM memberships WHERE channel_id = ?1 AND user_id NOT IN (SELECT value FROM json_each(?2))")
            .bind(change.channel_id, JSON.stringify(change.members.map((m) => m.user_id))),
          ...change.members.map((m) => upsert(change.channel_id, m)),
        ];
      case "rename":
        return [this.db.prepare("UPDATE channels SET channel_name = ?2 WHERE id = ?1").bind(change.channel_id, change.channel_name)];
      case "remove_channel":
        return [
          this.db.prepare("UPDATE channels SET removed = 1 WHERE id = ?1").bind(change.channel_id),
          this.db.prepare("DELETE FROM memberships WHERE channel_id = ?1").bind(change.channel_id),
        ];
    }
  }

  /** The directory's view of one channel, for the consistency check. */
  async channelIndex(channelId: number): Promise<{ channel_name: string; removed: boolean; members: IndexMember[] } | null> {
    const channel = await this.db
      .prepare("SELECT channel_name, removed FROM channels WHERE id = ?1")
      .bind(channelId)
      .first<{ channel_name: string; removed: number }>();
    if (!channel) return null;
    const { results } = await this.db
      .prepare("SELECT user_id, user_role FROM memberships WHERE channel_id = ?1 ORDER BY user_id")
      .bind(channelId)
      .all<IndexMember>();
    return { channel_name: channel.channel_name, removed: channel.removed === 1, members: results };
  }

}
