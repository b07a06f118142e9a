/**
 * The user room's SQLite: presence leases (one per live connection anywhere, renewed by the room
 * holding it), unread counts per channel (summed for `total_unread_count`), alerts, and the
 * user's channels (whom presence transitions go to; see UserChannelStore), and the user's hourly
 * quota buckets (see QuotaStore).
 */
export const USER_SCHEMA: readonly string[] = [
  `CREATE TABLE leases (
     conn_id TEXT PRIMARY KEY,
     room TEXT NOT NULL,
     expires INTEGER NOT NULL
   );
   CREATE TABLE unread (
     channel_id INTEGER PRIMARY KEY,
     unread_count INTEGER NOT NULL,
     oldest_unread INTEGER NOT NULL
   );
   CREATE TABLE alerts (
     alert_id INTEGER PRIMARY KEY AUTOINCREMENT,
     from_json TEXT NOT NULL,
     message_id INTEGER,
     alert_text TEXT NOT NULL,
     channel_id INTEGER,
     is_read INTEGER NOT NULL DEFAULT 0,
     created_on INTEGER NOT NULL
   );`,
  `CREATE TABLE channels (channel_id INTEGER PRIMARY KEY);`,
  `CREATE TABLE quotas (kind TEXT PRIMARY KEY, level REAL NOT NULL, at INTEGER NOT NULL);`,
];
