-- Canned replies changed in the console; they win over the configuration
-- file's (same id), and a deleted one stays deleted (a tombstone).
CREATE TABLE canned_replies (
    id         TEXT PRIMARY KEY,
    department TEXT NOT NULL,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    deleted    INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
