/**
 * The channel room's SQLite tables, as versioned migrations (storage/sqlite.ts `migrate`): each
 * step runs once, in order, so a step is never edited or reordered once shipped; a change is a new
 * step at the end. Which store owns each table: `channel` channelRowStore.ts; `members`
 * memberStore.ts; `messages`, `reactions`, `reads`, `alert_targets` messageStore.ts; `events`,
 * `event_refs` eventLog.ts; `locks` lockStore.ts; `actions` actionStore.ts; `pending`
 * pendingStore.ts; `shard_sockets` shardStore.ts (and `directory_outbox`, created by
 * outboxStore.ts itself). A fan-out shard has no tables of its own, only `_meta`.
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
