import type { UserProfile } from "../protocol/objects";

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

  async setThrottle(account: string, failures: number, lockedUntil: number): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO login_throttle (account, failures, locked_until) VALUES (?1, ?2, ?3)
         ON CONFLICT (account) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
      )
      .bind(account, failures, lockedUntil)
      .run();
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

  async setMembers(channelId: number, members: readonly { user_id: number; user_role: number }[]): Promise<void> {
    if (members.length === 0) return;
    await this.db.batch(
      members.map((m) =>
        this.db
          .prepare(
            `INSERT INTO memberships (user_id, channel_id, user_role) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, channel_id) DO UPDATE SET user_role = excluded.user_role`,
          )
          .bind(m.user_id, channelId, m.user_role),
      ),
    );
  }

  async removeMember(channelId: number, userId: number): Promise<void> {
    await this.db.prepare("DELETE FROM memberships WHERE channel_id = ?1 AND user_id = ?2").bind(channelId, userId).run();
  }

  async renameChannel(channelId: number, name: string): Promise<void> {
    await this.db.prepare("UPDATE channels SET channel_name = ?2 WHERE id = ?1").bind(channelId, name).run();
  }

  async markChannelRemoved(channelId: number): Promise<void> {
    await this.db.batch([
      this.db.prepare("UPDATE channels SET removed = 1 WHERE id = ?1").bind(channelId),
      this.db.prepare("DELETE FROM memberships WHERE channel_id = ?1").bind(channelId),
    ]);
  }
}
