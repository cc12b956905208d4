-- Settings administrators change in the console (the SLA policy, business
-- hours and holidays): each a JSON value under its key, which wins over
-- hotline.toml. Who changed what is in the audit log.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
