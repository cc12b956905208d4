-- Formal claims (претензии) on statutory clocks, and the calendar's
-- override table, as SQLite's 0003. See docs/claims.md.

CREATE TABLE claims (
    id               TEXT PRIMARY KEY,
    -- The human number П-<year>-<seq>: sequential per registration year,
    -- taken from claim_numbers under its row lock.
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
    amount_kopecks   BIGINT,
    demand           TEXT NOT NULL,
    text             TEXT NOT NULL,
    cross_border     BOOLEAN NOT NULL,
    -- The legal trigger: when and how the claim reached the company.
    channel          TEXT NOT NULL,
    received_at      BIGINT NOT NULL,
    filed_by         JSONB NOT NULL,
    -- Idempotency: the filer ("customer:<id>" / "operator:<id>") and their id of the filing.
    filer_key        TEXT NOT NULL,
    client_msg_id    TEXT NOT NULL,
    -- YYYY-MM-DD in the legal time zone; sorted as text.
    raw_due_date     TEXT NOT NULL,
    due_date         TEXT NOT NULL,
    provisional      BOOLEAN NOT NULL,
    extension        JSONB,
    answer           JSONB,
    due_soon_alerted_at BIGINT,
    overdue_alerted_at  BIGINT,
    created_at       BIGINT NOT NULL,
    CONSTRAINT claims_number_year_number_seq_key UNIQUE (number_year, number_seq),
    CONSTRAINT claims_filer_key_client_msg_id_key UNIQUE (filer_key, client_msg_id)
);

CREATE INDEX claims_by_due_date ON claims (due_date, number_year, number_seq);
CREATE INDEX claims_by_conversation ON claims (conversation_id);

-- The last number given out per year.
CREATE TABLE claim_numbers (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- The receipt time and channel are never rewritten, whatever the code does.
CREATE FUNCTION claims_legal_trigger_is_fixed() RETURNS trigger AS $$
BEGIN
    IF NEW.received_at IS DISTINCT FROM OLD.received_at OR NEW.channel IS DISTINCT FROM OLD.channel THEN
        RAISE EXCEPTION 'a claim''s received_at and channel are never rewritten';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER claims_legal_trigger_is_fixed
BEFORE UPDATE OF received_at, channel ON claims
FOR EACH ROW EXECUTE FUNCTION claims_legal_trigger_is_fixed();

CREATE TABLE calendar_overrides (
    date        TEXT PRIMARY KEY,
    working     BOOLEAN NOT NULL,
    note        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
