-- Formal claims (претензии) on statutory clocks, and the calendar's
-- override table. See docs/claims.md.

CREATE TABLE claims (
    id               TEXT PRIMARY KEY,
    -- The human number П-<year>-<seq>: sequential per registration year.
    number_year      INTEGER NOT NULL,
    number_seq       INTEGER NOT NULL,
    claim_type       TEXT NOT NULL,
    status           TEXT NOT NULL,
    -- Erasing the customer's conversations erases their claims.
    conversation_id  TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The department at filing; reads take the conversation's current one.
    department       TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    order_id         TEXT,
    amount_kopecks   INTEGER,
    demand           TEXT NOT NULL,
    text             TEXT NOT NULL,
    cross_border     INTEGER NOT NULL,
    -- The legal trigger: when and how the claim reached the company.
    channel          TEXT NOT NULL,
    received_at      INTEGER NOT NULL,
    filed_by         TEXT NOT NULL,
    -- Idempotency: the filer ("customer:<id>" / "operator:<id>") and their id of the filing.
    filer_key        TEXT NOT NULL,
    client_msg_id    TEXT NOT NULL,
    -- YYYY-MM-DD in the legal time zone; sorted as text.
    raw_due_date     TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    provisional      INTEGER NOT NULL,
    extension        TEXT,
    answer           TEXT,
    due_soon_alerted_at INTEGER,
    overdue_alerted_at  INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (number_year, number_seq),
    UNIQUE (filer_key, client_msg_id)
);

CREATE INDEX claims_by_due_date ON claims (due_date, number_year, number_seq);
CREATE INDEX claims_by_conversation ON claims (conversation_id);

-- The receipt time and channel are never rewritten, whatever the code does.
CREATE TRIGGER claims_legal_trigger_is_fixed
BEFORE UPDATE OF received_at, channel ON claims
WHEN NEW.received_at IS NOT OLD.received_at OR NEW.channel IS NOT OLD.channel
BEGIN
    SELECT RAISE(ABORT, 'a claim''s received_at and channel are never rewritten');
END;

CREATE TABLE calendar_overrides (
    date        TEXT PRIMARY KEY,
    working     INTEGER NOT NULL,
    note        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
