-- The directory: who is this email, which channels exist, which channels is a user in.
-- Channel rooms own membership; the memberships table is their index, kept in step by them.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL,
  email_lower TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  has_avatar INTEGER NOT NULL DEFAULT 0,
  created_on INTEGER NOT NULL,
  last_active_on INTEGER NOT NULL
);

CREATE TABLE channels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_name TEXT NOT NULL,
  created_by INTEGER NOT NULL,
  created_on INTEGER NOT NULL,
  removed INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE memberships (
  user_id INTEGER NOT NULL,
  channel_id INTEGER NOT NULL,
  user_role INTEGER NOT NULL,
  PRIMARY KEY (user_id, channel_id)
);
CREATE INDEX memberships_by_channel ON memberships (channel_id);

-- Consecutive login failures per account key (lower-cased email, known or not).
CREATE TABLE login_throttle (
  account TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
);

-- AirSend-like id ranges so user and channel ids never look alike (91010000…, 11010000…).
INSERT INTO sqlite_sequence (name, seq) VALUES ('users', 91009999);
INSERT INTO sqlite_sequence (name, seq) VALUES ('channels', 11009999);
