-- Attachments' contents in the database, so that every node serves every
-- file (issue 11). Keyed by SHA-256: one row per distinct content; each node
-- keeps a local copy as a cache.
CREATE TABLE attachment_contents (
    sha256  TEXT PRIMARY KEY,
    content BYTEA NOT NULL
);
