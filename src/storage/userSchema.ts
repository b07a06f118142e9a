/**
 * The user room's SQLite: presence leases (one per live connection anywhere, renewed by the room
 * holding it), unread counts per channel (summed for `total_unread_count`), alerts, and the
 * user's channels (whom presence transitions go to; see UserChannelStore), and the user's hourly
 * quota buckets (see QuotaStore), and Web Push subscriptions, mutes and notifications waiting out
 * their coalescing window (see PushStore).
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
  `CREATE TABLE push_subscriptions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     endpoint TEXT NOT NULL UNIQUE,
     p256dh TEXT NOT NULL,
     auth TEXT NOT NULL,
     created_on INTEGER NOT NULL
   );
   CREATE TABLE push_mutes (channel_id INTEGER PRIMARY KEY);
   CREATE TABLE push_pending (
     channel_id INTEGER PRIMARY KEY,
     due INTEGER NOT NULL,
     count INTEGER NOT NULL,
     alerts INTEGER NOT NULL,
     channel_name TEXT NOT NULL,
     body TEXT NOT NULL,
     message_id INTEGER NOT NULL
   );
   CREATE INDEX push_pending_due ON push_pending (due);`,
];
