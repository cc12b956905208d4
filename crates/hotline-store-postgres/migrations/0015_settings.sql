-- Settings administrators change in the console, as SQLite's 0015 (the SLA policy, business
-- hours and holidays): each a JSON value under its key, which wins over
-- hotline.toml. Who changed what is in the audit log.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      JSONB NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
