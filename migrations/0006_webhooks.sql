-- Server API keys: only a SHA-256 of the secret is kept; the secret is shown once at creation.
CREATE TABLE server_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,          -- JSON array of scope names
  key_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the whole secret
  prefix TEXT NOT NULL,          -- first characters of the secret, to tell keys apart in lists
  created_on INTEGER NOT NULL,
  revoked_on INTEGER
);

-- Webhook endpoints. The signing secret is kept as issued: every delivery is signed with it.
CREATE TABLE webhook_endpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  events TEXT NOT NULL,          -- JSON array of event names
  channel_ids TEXT,              -- JSON array of channel ids; NULL = every channel
  secret TEXT NOT NULL,
  created_on INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,  -- consecutive failed attempts
  paused_on INTEGER,                    -- set after WEBHOOK_PAUSE_AFTER_FAILURES failures in a row
  dead_letters INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  removed_on INTEGER
);
