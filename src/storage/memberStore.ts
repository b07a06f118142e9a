import type { UserProfile } from "../protocol/objects";
import { metaKey } from "./metaKeys";
import type { Meta } from "./sqlite";

export type MemberRow = {
  user_id: number;
  email: string;
  display_name: string;
  has_avatar: number;
  last_active_on: number;
  user_role: number;
  online: number;
  joined_on: number;
  /** The channel's seq when the member (last) joined: their resume never reaches further back. */
  joined_seq: number | null;
};

/** Columns of MemberRow (not read_cursor: see ReadCursors). */
const MEMBER_COLUMNS = "user_id, email, display_name, has_avatar, last_active_on, user_role, online, joined_on, joined_seq";

/**
 * The channel's members (CHANNEL_SCHEMA `members`): who they are (a copy of the profile, so events
 * need no directory lookup), their role, their presence here and the version of the global
 * presence state last applied (`_meta` `presence_v:<uid>`). The only writer of member rows.
 * Rows are read once each, by user (null: not a member): every socket's auth and every post asks.
 * Every write drops that user's entry; a rolled-back transaction drops all (`forget`).
 */
export class MemberStore {
  private readonly cache = new Map<number, MemberRow | null>();
  readonly cursors: ReadCursors;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: Meta,
  ) {
    this.cursors = new ReadCursors(sql);
  }

  get(userId: number): MemberRow | null {
    let row = this.cache.get(userId);
    if (row === undefined) {
      row = this.sql.exec<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members WHERE user_id = ?`, userId).toArray()[0] ?? null;
      this.cache.set(userId, row);
    }
    return row;
  }

  all(): MemberRow[] {
    return this.sql.exec<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members ORDER BY joined_on, user_id`).toArray();
  }

  /** Adds the member, or refreshes the profile of one already here (role and cursor kept). */
  add(p: UserProfile, role: number, readCursor: number, now: number, joinedSeq: number): void {
    this.cache.delete(p.id);
    this.sql.exec(
      `INSERT INTO members (user_id, email, display_name, has_avatar, last_active_on, user_role, read_cursor, joined_on, joined_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, display_name = excluded.display_name,
         has_avatar = excluded.has_avatar, last_active_on = excluded.last_active_on`,
      p.id,
      p.email,
      p.display_name,
      p.has_avatar ? 1 : 0,
      p.last_active_on,
      role,
      readCursor,
      now,
      joinedSeq,
    );
  }

  remove(userId: number): void {
    this.cache.delete(userId);
    this.sql.exec("DELETE FROM members WHERE user_id = ?", userId);
  }

  setRole(userId: number, role: number): void {
    this.cache.delete(userId);
    this.sql.exec("UPDATE members SET user_role = ? WHERE user_id = ?", role, userId);
  }

  /** The member's copy of the profile, updated (null: not a member). */
  updateProfile(p: UserProfile): MemberRow | null {
    this.cache.delete(p.id);
    return (
      this.sql
        .exec<MemberRow>(
          `UPDATE members SET email = ?, display_name = ?, has_avatar = ? WHERE user_id = ? RETURNING ${MEMBER_COLUMNS}`,
          p.email,
          p.display_name,
          p.has_avatar ? 1 : 0,
          p.id,
        )
        .toArray()[0] ?? null
    );
  }

  setPresence(userId: number, online: boolean, at: number): void {
    this.cache.delete(userId);
    this.sql.exec("UPDATE members SET online = ?, last_active_on = ? WHERE user_id = ?", online ? 1 : 0, at, userId);
  }

  /** Version of the last global presence state applied for the user (-1: none yet). */
  presenceVersion(userId: number): number {
    return this.meta.get(metaKey.presenceVersion(userId)) ?? -1;
  }

  setPresenceVersion(userId: number, v: number): void {
    this.meta.set(metaKey.presenceVersion(userId), v);
  }

  /** Storage may differ from memory now (a transaction rolled back). */
  forget(): void {
    this.cache.clear();
  }
}

/**
 * Members' read cursors (the `read_cursor` column of `members`): the newest message each member
 * has read. Not part of MemberRow, so moving a cursor never touches MemberStore's cache.
 */
export class ReadCursors {
  constructor(private readonly sql: SqlStorage) {}

  cursor(userId: number): number | null {
    const row = this.sql.exec<{ read_cursor: number }>("SELECT read_cursor FROM members WHERE user_id = ?", userId).toArray()[0];
    return row ? row.read_cursor : null;
  }

  /** Moves a member's read cursor forward only; true when it moved. */
  advance(userId: number, to: number): boolean {
    const rows = this.sql
      .exec("UPDATE members SET read_cursor = ? WHERE user_id = ? AND read_cursor < ? RETURNING user_id", to, userId, to)
      .toArray();
    return rows.length > 0;
  }

  /** Members (other than `except`) whose cursor is below `id`: those a message `id` concerns. */
  behind(id: number, except: number | null): number[] {
    return this.sql
      .exec<{ user_id: number }>(
        "SELECT user_id FROM members WHERE read_cursor < ? AND user_id IS NOT ? ORDER BY user_id",
        id,
        except,
      )
      .toArray()
      .map((r) => r.user_id);
  }
}
