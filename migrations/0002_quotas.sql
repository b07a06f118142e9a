-- Who may add a user to a channel: anyone (the default), or only people who already share a
-- live channel with them (docs/security.md "Account discovery").
ALTER TABLE users ADD COLUMN invites_from TEXT NOT NULL DEFAULT 'anyone'
  CHECK (invites_from IN ('anyone', 'shared_channels'));
