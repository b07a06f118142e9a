-- Sessions: one per login. Every bearer and ws token names its session (`sid`); a token whose
-- session is revoked or gone is refused (docs/security.md, "Sessions and revocation").
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  device TEXT NOT NULL,
  created_on INTEGER NOT NULL,
  last_seen_on INTEGER NOT NULL,
  revoked_on INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Session ids in their own range, so they never look like user or channel ids.
INSERT INTO sqlite_sequence (name, seq) VALUES ('sessions', 71009999);
