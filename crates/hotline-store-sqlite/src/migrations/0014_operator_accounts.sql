-- Administrators manage the team in the console: operators are invited (no
-- password until they accept) and deactivated (kept for the history they
-- wrote, never able to log in again until reactivated).

ALTER TABLE operators ADD COLUMN deactivated_at INTEGER;

-- An invitation to set a password: one use, until it expires. Only the
-- token's SHA-256 is kept.
CREATE TABLE operator_invites (
    token_hash  TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX operator_invites_by_operator ON operator_invites (operator_id);
