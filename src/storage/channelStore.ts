import { type OutFrame, buildEvent } from "../protocol/envelope";
import type { UserProfile } from "../protocol/objects";
import { messageRefs, setMessageContent } from "../protocol/redact";
import { Meta } from "./sqlite";

/**
 * The channel room's SQLite: the channel row, members (with their profile copy, role, presence
 * and read cursor), messages, reactions, reads, and the event log that backs `seq` and resume.
 * Every query is parameterized; nothing here knows about sockets.
 */
export const CHANNEL_SCHEMA: readonly string[] = [
  `CREATE TABLE channel (
     id INTEGER PRIMARY KEY,
     channel_name TEXT NOT NULL,
     created_by INTEGER NOT NULL,
     created_on INTEGER NOT NULL,
     last_active_on INTEGER NOT NULL,
     removed INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE members (
     user_id INTEGER PRIMARY KEY,
     email TEXT NOT NULL,
     display_name TEXT NOT NULL,
     has_avatar INTEGER NOT NULL DEFAULT 0,
     last_active_on INTEGER NOT NULL,
     user_role INTEGER NOT NULL,
     online INTEGER NOT NULL DEFAULT 0,
     read_cursor INTEGER NOT NULL DEFAULT 0,
     joined_on INTEGER NOT NULL
   );
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     user_id INTEGER NOT NULL,
     display_name TEXT NOT NULL,
     message_type INTEGER NOT NULL,
     content TEXT NOT NULL,
     content_json INTEGER NOT NULL DEFAULT 0,
     parent_id INTEGER,
     is_edited INTEGER NOT NULL DEFAULT 0,
     deleted INTEGER NOT NULL DEFAULT 0,
     created_on INTEGER NOT NULL
   );
   CREATE TABLE reactions (
     message_id INTEGER NOT NULL,
     user_id INTEGER NOT NULL,
     emoji TEXT NOT NULL,
     display_name TEXT NOT NULL,
     created_on INTEGER NOT NULL,
     PRIMARY KEY (message_id, user_id, emoji)
   );
   CREATE TABLE reads (
     message_id INTEGER NOT NULL,
     user_id INTEGER NOT NULL,
     PRIMARY KEY (message_id, user_id)
   );
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY,
     frame TEXT NOT NULL,
     created_on INTEGER NOT NULL
   );
   -- lock_id only grows (AUTOINCREMENT never reuses), so it doubles as a fencing token.
   CREATE TABLE locks (
     lock_id INTEGER PRIMARY KEY AUTOINCREMENT,
     path TEXT NOT NULL UNIQUE,
     user_id INTEGER NOT NULL,
     ttl_seconds INTEGER NOT NULL,
     expires_on INTEGER NOT NULL,
     created_on INTEGER NOT NULL
   );
   CREATE TABLE actions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     action_name TEXT NOT NULL,
     action_desc TEXT,
     action_type INTEGER NOT NULL DEFAULT 1,
     action_status INTEGER NOT NULL DEFAULT 0,
     due_on INTEGER,
     created_by INTEGER NOT NULL,
     created_on INTEGER NOT NULL,
     updated_on INTEGER,
     updated_by INTEGER
   );
   -- Work deferred to the alarm: coalesced read-receipt and unread-count updates, presence pushes.
   CREATE TABLE pending (
     kind TEXT NOT NULL,
     key TEXT NOT NULL,
     due INTEGER NOT NULL,
     PRIMARY KEY (kind, key)
   );`,
  // Lease holders are the users with a `lease:<uid>` key; the list that repeated them is gone.
  `DELETE FROM _meta WHERE key = 'lease_holders';`,
  // Redaction (docs/resume.md): which log frames carry which message, the seq each member joined
  // at, and who got an alert quoting a message (so a delete reaches them even after they left).
  // A member already here joined just before their latest user_added.channel in the log; without
  // one they joined before the log begins (the channel's first members: before seq 1), and with an
  // empty log they count from now. Either way no replay can reach back before their join.
  `CREATE TABLE event_refs (
     seq INTEGER NOT NULL,
     message_id INTEGER NOT NULL,
     PRIMARY KEY (seq, message_id)
   ) WITHOUT ROWID;
   CREATE INDEX event_refs_message ON event_refs (message_id);
   INSERT OR IGNORE INTO event_refs (seq, message_id)
     SELECT seq, id FROM (
       SELECT seq, json_extract(frame, '$.payload.message.id') AS id FROM events
       UNION ALL SELECT seq, json_extract(frame, '$.payload.message.parent_message.message_id') FROM events
       UNION ALL SELECT seq, json_extract(frame, '$.payload.channel.latest_message.id') FROM events
       UNION ALL SELECT seq, json_extract(frame, '$.payload.channel.latest_message.parent_message.message_id') FROM events
     ) WHERE typeof(id) = 'integer';
   ALTER TABLE members ADD COLUMN joined_seq INTEGER;
   UPDATE members SET joined_seq = COALESCE((SELECT MIN(seq) - 1 FROM events), (SELECT value FROM _meta WHERE key = 'seq'), 0);
   UPDATE members SET joined_seq = added.seq
     FROM (SELECT json_extract(frame, '$.payload.user.id') AS user_id, MAX(seq) - 1 AS seq FROM events
           WHERE json_extract(frame, '$.event') = 'user_added.channel' GROUP BY 1) AS added
     WHERE added.user_id = members.user_id;
   CREATE TABLE alert_targets (
     message_id INTEGER NOT NULL,
     user_id INTEGER NOT NULL,
     PRIMARY KEY (message_id, user_id)
   ) WITHOUT ROWID;`,
  // Sockets admitted on the channel's fan-out shards, per shard and user (storage/shardStore.ts).
  `CREATE TABLE shard_sockets (
     k INTEGER NOT NULL,
     user_id INTEGER NOT NULL,
     n INTEGER NOT NULL,
     PRIMARY KEY (k, user_id)
   ) WITHOUT ROWID;`,
];

export type ChannelRow = {
  id: number;
  channel_name: string;
  created_by: number;
  created_on: number;
  last_active_on: number;
  removed: number;
};

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

/** Columns of MemberRow (not read_cursor: the read cursor belongs to MessageStore's reads). */
const MEMBER_COLUMNS = "user_id, email, display_name, has_avatar, last_active_on, user_role, online, joined_on, joined_seq";

export type MessageRow = {
  id: number;
  user_id: number;
  display_name: string;
  message_type: number;
  content: string;
  content_json: number;
  parent_id: number | null;
  is_edited: number;
  deleted: number;
  created_on: number;
};

export type ReactionRow = {
  message_id: number;
  user_id: number;
  emoji: string;
  display_name: string;
};

export interface NewMessage {
  user_id: number;
  display_name: string;
  message_type: number;
  content: string | object;
  parent_id: number | null;
  created_on: number;
}

export class ChannelStore {
  private readonly sql: SqlStorage;
  readonly meta: Meta;
  /**
   * seq when this instance opened the storage: every event up to it was published by an earlier
   * instance; later ones are this instance's to deliver (see channel/eventStream.ts).
   */
  readonly seqAtOpen: number;
  private seqCache: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.meta = Meta.of(this.sql);
    if (this.meta.get("epoch") === undefined) this.meta.set("epoch", crypto.randomUUID());
    this.seqAtOpen = this.seq();
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.storage.transactionSync(fn);
    } catch (err) {
      this.seqCache = null; // rolled back: the next seq() reads it again
      this.channelCache = undefined;
      this.memberCache.clear();
      this.meta.forget();
      throw err;
    }
  }

  // --- channel --------------------------------------------------------------------------------

  /**
   * The channel row, read once and kept (every socket's auth and every presence change asks for
   * it); each write below drops it, and so does a rolled-back transaction. Treat it as read-only.
   */
  private channelCache: ChannelRow | null | undefined = undefined;

  channel(): ChannelRow | null {
    if (this.channelCache === undefined) {
      this.channelCache = this.sql.exec<ChannelRow>("SELECT * FROM channel LIMIT 1").toArray()[0] ?? null;
    }
    return this.channelCache;
  }

  createChannel(row: Omit<ChannelRow, "removed">): void {
    this.channelCache = undefined;
    this.sql.exec(
      "INSERT INTO channel (id, channel_name, created_by, created_on, last_active_on) VALUES (?, ?, ?, ?, ?)",
      row.id,
      row.channel_name,
      row.created_by,
      row.created_on,
      row.last_active_on,
    );
  }

  touchChannel(now: number): void {
    this.channelCache = undefined;
    this.sql.exec("UPDATE channel SET last_active_on = ?", now);
  }

  // --- members --------------------------------------------------------------------------------

  /**
   * Member rows by user (null: not a member), read once each: every socket's auth and every post
   * asks. Every write to a member below drops that user's entry; a rolled-back transaction drops all.
   */
  private readonly memberCache = new Map<number, MemberRow | null>();

  member(userId: number): MemberRow | null {
    let row = this.memberCache.get(userId);
    if (row === undefined) {
      row = this.sql.exec<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members WHERE user_id = ?`, userId).toArray()[0] ?? null;
      this.memberCache.set(userId, row);
    }
    return row;
  }

  members(): MemberRow[] {
    return this.sql.exec<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members ORDER BY joined_on, user_id`).toArray();
  }

  addMember(p: UserProfile, role: number, readCursor: number, now: number): void {
    this.memberCache.delete(p.id);
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
      this.seq(),
    );
  }

  // --- messages -------------------------------------------------------------------------------

  insertMessage(m: NewMessage): MessageRow {
    const isJson = typeof m.content !== "string";
    const content = isJson ? JSON.stringify(m.content) : (m.content as string);
    return this.sql
      .exec<MessageRow>(
        `INSERT INTO messages (user_id, display_name, message_type, content, content_json, parent_id, created_on)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        m.user_id,
        m.display_name,
        m.message_type,
        content,
        isJson ? 1 : 0,
        m.parent_id,
        m.created_on,
      )
      .one();
  }

  message(id: number): MessageRow | null {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE id = ? AND deleted = 0", id).toArray()[0] ?? null;
  }

  latestMessageId(): number {
    const row = this.sql.exec<{ id: number | null }>("SELECT MAX(id) AS id FROM messages").one();
    return row.id ?? 0;
  }

  /**
   * One page of live (not deleted) messages, oldest → newest. `before` pages backwards from the
   * newest below it; `after` pages forwards from the oldest above it; neither = the newest page.
   */
  page(q: { before?: number; after?: number; limit: number }): { rows: MessageRow[]; hasMore: boolean } {
    const take = q.limit + 1;
    let rows: MessageRow[];
    if (q.after !== undefined) {
      rows = this.sql
        .exec<MessageRow>("SELECT * FROM messages WHERE deleted = 0 AND id > ? ORDER BY id ASC LIMIT ?", q.after, take)
        .toArray();
      const hasMore = rows.length > q.limit;
      return { rows: rows.slice(0, q.limit), hasMore };
    }
    rows = this.sql
      .exec<MessageRow>(
        "SELECT * FROM messages WHERE deleted = 0 AND id < ? ORDER BY id DESC LIMIT ?",
        q.before ?? Number.MAX_SAFE_INTEGER,
        take,
      )
      .toArray();
    const hasMore = rows.length > q.limit;
    return { rows: rows.slice(0, q.limit).reverse(), hasMore };
  }

  reactionsFor(ids: readonly number[]): Map<number, ReactionRow[]> {
    const out = new Map<number, ReactionRow[]>();
    if (ids.length === 0) return out;
    const rows = this.sql
      .exec<ReactionRow>(
        `SELECT message_id, user_id, emoji, display_name FROM reactions
         WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY created_on, rowid`,
        JSON.stringify(ids),
      )
      .toArray();
    for (const r of rows) {
      const list = out.get(r.message_id) ?? [];
      list.push(r);
      out.set(r.message_id, list);
    }
    return out;
  }

  readersFor(ids: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    if (ids.length === 0) return out;
    const rows = this.sql
      .exec<{ message_id: number; user_id: number }>(
        "SELECT message_id, user_id FROM reads WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
        JSON.stringify(ids),
      )
      .toArray();
    for (const r of rows) {
      const list = out.get(r.message_id) ?? [];
      list.push(r.user_id);
      out.set(r.message_id, list);
    }
    return out;
  }

  // --- durable events: seq + log --------------------------------------------------------------

  epoch(): string {
    return this.meta.get<string>("epoch")!;
  }

  /**
   * The room's current seq. Only this object writes it, so it is read from SQLite once and then
   * kept in step by appendEvent (and dropped if a transaction rolls back).
   */
  seq(): number {
    this.seqCache ??= this.meta.get<number>("seq") ?? 0;
    return this.seqCache;
  }

  /**
   * Gives a durable event the next seq and appends its exact frame to the log. Call inside the
   * transaction that stores what the event announces, so a seq is never lost or reused; broadcast
   * the frame after the transaction commits (never inside it: a rolled-back seq is reused).
   */
  appendEvent(event: string, payload: object, now: number): OutFrame {
    const seq = this.seq() + 1;
    const frame = buildEvent(event, payload, now, seq);
    this.sql.exec("INSERT INTO events (seq, frame, created_on) VALUES (?, ?, ?)", seq, frame.text, now);
    for (const id of messageRefs(payload)) this.sql.exec("INSERT INTO event_refs (seq, message_id) VALUES (?, ?)", seq, id);
    this.meta.set("seq", seq);
    this.seqCache = seq;
    return frame;
  }

  /**
   * Drops the oldest log entries that are both beyond the newest `keep` events and older than
   * `maxAgeMs`, so the log keeps at least the last `keep` events and everything of the last
   * `maxAgeMs` (docs/protocol.md#resume). Only a prefix is ever dropped: the log stays one contiguous run
   * of seqs, which is what lets eventsBetween() tell "complete" from "partly trimmed" by counting.
   * Cost: the scan stops at the first entry it keeps, so it reads about as many rows as it deletes.
   */
  trimEvents(keep: number, maxAgeMs: number, now: number): void {
    const upTo = this.seq() - keep;
    if (upTo <= 0) return;
    const young = this.sql
      .exec<{ seq: number }>(
        "SELECT seq FROM events WHERE seq <= ? AND created_on >= ? ORDER BY seq LIMIT 1",
        upTo,
        now - maxAgeMs,
      )
      .toArray()[0];
    const cut = young ? young.seq - 1 : upTo;
    if (cut > 0) {
      this.sql.exec("DELETE FROM events WHERE seq <= ?", cut);
      this.sql.exec("DELETE FROM event_refs WHERE seq <= ?", cut);
    }
  }

  /**
   * Rewrites every logged frame that carries message `id` so it carries `content` instead (its
   * current text after an edit, none after a delete). Call inside the transaction that edits or
   * deletes the message, so the log never holds a frame that history has stopped showing.
   * `forget` drops the message from the index (a deleted message changes no more).
   */
  rewriteMessage(id: number, content: string | object, forget: boolean): void {
    const rows = this.sql
      .exec<{ seq: number; frame: string }>(
        "SELECT e.seq, e.frame FROM event_refs r JOIN events e ON e.seq = r.seq WHERE r.message_id = ?",
        id,
      )
      .toArray();
    for (const row of rows) {
      const event = JSON.parse(row.frame) as { payload: unknown };
      if (setMessageContent(event.payload, id, content)) {
        this.sql.exec("UPDATE events SET frame = ? WHERE seq = ?", JSON.stringify(event), row.seq);
      }
    }
    if (forget) this.sql.exec("DELETE FROM event_refs WHERE message_id = ?", id);
  }

  /** Oldest seq the log still holds (0 when it is empty). */
  firstLoggedSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM events").one().seq ?? 0;
  }

  /**
   * The exact frames of seqs `after`+1 … `upTo`, oldest first, or null when the log no longer
   * holds every one of them: recovery is never partial.
   */
  eventsBetween(after: number, upTo: number): string[] | null {
    if (after < 0 || upTo > this.seq()) return null;
    if (after >= upTo) return [];
    const first = this.firstLoggedSeq();
    if (first === 0 || first > after + 1) return null;
    const rows = this.sql
      .exec<{ seq: number; frame: string }>(
        "SELECT seq, frame FROM events WHERE seq > ? AND seq <= ? ORDER BY seq",
        after,
        upTo,
      )
      .toArray();
    // seq is the primary key, so upTo - after rows starting at after + 1 means none is missing.
    if (rows.length !== upTo - after || rows[0]!.seq !== after + 1) return null;
    return rows.map((r) => r.frame);
  }

  /** Frames after `since` up to the current seq, or null when the log no longer holds all of them. */
  eventsAfter(since: number): string[] | null {
    const current = this.seq();
    return since > current ? null : this.eventsBetween(since, current);
  }

  // --- membership, channel life and presence ------------------------------------------------

  removeMember(userId: number): void {
    this.memberCache.delete(userId);
    this.sql.exec("DELETE FROM members WHERE user_id = ?", userId);
  }

  setRole(userId: number, role: number): void {
    this.memberCache.delete(userId);
    this.sql.exec("UPDATE members SET user_role = ? WHERE user_id = ?", role, userId);
  }

  renameChannel(name: string): void {
    this.channelCache = undefined;
    this.sql.exec("UPDATE channel SET channel_name = ?", name);
  }

  markRemoved(): void {
    this.channelCache = undefined;
    this.sql.exec("UPDATE channel SET removed = 1");
  }

  /** The member's copy of the profile (members keep one so events need no directory lookup). */
  updateMemberProfile(p: UserProfile): MemberRow | null {
    this.memberCache.delete(p.id);
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

  /** A deleted account: its messages, quotes and reactions stay, under `name`. */
  renameAuthor(userId: number, name: string): void {
    this.sql.exec("UPDATE messages SET display_name = ? WHERE user_id = ?", name, userId);
    this.sql.exec("UPDATE reactions SET display_name = ? WHERE user_id = ?", name, userId);
  }

  setPresence(userId: number, online: boolean, at: number): void {
    this.memberCache.delete(userId);
    this.sql.exec("UPDATE members SET online = ?, last_active_on = ? WHERE user_id = ?", online ? 1 : 0, at, userId);
  }

  /** Version of the last global presence state applied for the user (-1: none yet). */
  presenceVersion(userId: number): number {
    return this.meta.get<number>(`presence_v:${userId}`) ?? -1;
  }

  setPresenceVersion(userId: number, v: number): void {
    this.meta.set(`presence_v:${userId}`, v);
  }
}
