-- Hotline on PostgreSQL: the first schema. Released: never edit this file;
-- change the schema in a new, higher-numbered one. Tables, columns and
-- constraint names follow the SQLite schema, so that errors map the same way
-- on both; times are Unix microseconds (BIGINT) as there.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE departments (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    bot      BOOLEAN NOT NULL,
    topics   JSONB NOT NULL,           -- array of {id, name}
    ordinal  BIGINT NOT NULL
);

CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CONSTRAINT operators_email_key UNIQUE (email)
);

CREATE TABLE operator_departments (
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    department  TEXT NOT NULL,
    PRIMARY KEY (operator_id, department)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE customers (
    id         TEXT PRIMARY KEY,       -- the identity token's `sub`
    name       TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    updated_at BIGINT NOT NULL,        -- when the token's facts last changed
    tier       TEXT                    -- the token's `tier` claim, for the priority rules
);

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    department      TEXT NOT NULL,
    status          TEXT NOT NULL,
    subject         JSONB NOT NULL,    -- see domain::Subject
    customer_id     TEXT NOT NULL,
    customer_name   TEXT NOT NULL,
    assignee_id     TEXT,
    assignee_name   TEXT,
    last_seq        BIGINT NOT NULL,   -- every message
    last_public_seq BIGINT NOT NULL,   -- messages customers see
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX conversations_customer_idx ON conversations (customer_id);
CREATE INDEX conversations_department_idx ON conversations (department, status);
CREATE INDEX conversations_assignee_idx ON conversations (assignee_id) WHERE status = 'assigned';

CREATE TABLE messages (
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq             BIGINT NOT NULL,   -- among all messages (operators)
    public_seq      BIGINT,            -- among those customers see; NULL on notes
    author_kind     TEXT NOT NULL,
    author_id       TEXT,
    author_name     TEXT NOT NULL,
    text            TEXT NOT NULL,
    internal        BOOLEAN NOT NULL,
    client_msg_id   TEXT,
    attachments     JSONB NOT NULL,    -- array of AttachmentInfo, fixed at send
    created_at      BIGINT NOT NULL,
    suggestions     JSONB,             -- bot messages: array of ArticleSuggestion
    CONSTRAINT messages_pkey PRIMARY KEY (conversation_id, seq),
    -- Idempotency: a retried send meets this key, whichever node it reaches.
    CONSTRAINT messages_client_msg_id_key UNIQUE (author_kind, author_id, client_msg_id)
);

CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    sha256          TEXT NOT NULL,
    name            TEXT NOT NULL,
    size            BIGINT NOT NULL,
    content_type    TEXT NOT NULL,
    uploader_kind   TEXT NOT NULL,
    uploader_id     TEXT NOT NULL,
    conversation_id TEXT,              -- with message_seq: the message that sent it
    message_seq     BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX attachments_conversation_idx ON attachments (conversation_id);
CREATE INDEX attachments_sha256_idx ON attachments (sha256);

-- The event log. Positions are handed out by `stream_heads` (one row, the
-- whole log: cursors are one number for every reader) as the last statements
-- of a writing transaction, under that row's lock, so they are dense and
-- become visible in order; see the crate's documentation.
CREATE TABLE stream_heads (
    stream TEXT PRIMARY KEY,
    head   BIGINT NOT NULL
);
INSERT INTO stream_heads (stream, head) VALUES ('log', 0);
-- The audit log's `seq` is handed out the same way: one entry at a time, no gaps.
INSERT INTO stream_heads (stream, head) VALUES ('audit', 0);

CREATE TABLE events (
    position        BIGINT PRIMARY KEY,
    kind            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    department      TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    internal        BOOLEAN NOT NULL,
    data            JSONB NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX events_customer_idx ON events (customer_id, position);
CREATE INDEX events_department_idx ON events (department, position);

CREATE TABLE customer_contexts (
    customer_id TEXT PRIMARY KEY,
    context     TEXT NOT NULL,         -- JSON object built by the server, kept as sent
    updated_at  BIGINT NOT NULL
);

-- The audit log: append-only (the triggers refuse changes) and hash-chained.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    details    TEXT NOT NULL,          -- JSON exactly as hashed, never message text
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Queues, routing and SLA ----------------------------------------------------

-- One row: every write that may route locks it first, so that the writers
-- of all nodes decide assignments one at a time (see queue.rs).
CREATE TABLE routing_turn (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
INSERT INTO routing_turn (id) VALUES (1);

-- Operators' presence and capacity; without a row an operator is offline with
-- the default capacity. `changed_at` is routing's idle-since (ties go to the
-- operator idle longest).
CREATE TABLE operator_presence (
    operator_id TEXT PRIMARY KEY REFERENCES operators (id) ON DELETE CASCADE,
    presence    TEXT NOT NULL,
    capacity    BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL
);

CREATE TABLE conversation_routing (
    conversation_id            TEXT PRIMARY KEY REFERENCES conversations (id),
    department                 TEXT NOT NULL,
    priority                   TEXT NOT NULL,
    waiting_since              BIGINT,
    first_response_due         BIGINT,
    resolution_due             BIGINT,
    first_response_at          BIGINT,
    assigned_at                BIGINT,
    resolved_at                BIGINT,
    first_response_breached_at BIGINT,
    resolution_breached_at     BIGINT
);
CREATE INDEX conversation_routing_first_due_idx ON conversation_routing (first_response_due)
    WHERE first_response_at IS NULL AND first_response_breached_at IS NULL;
CREATE INDEX conversation_routing_resolution_due_idx ON conversation_routing (resolution_due)
    WHERE resolved_at IS NULL AND resolution_breached_at IS NULL;
CREATE INDEX conversation_routing_department_idx ON conversation_routing (department, first_response_at);

-- The place last announced (`queue.updated`) to each queued conversation's
-- customer; SQLite keeps this in memory, several nodes need it shared.
CREATE TABLE queue_announcements (
    conversation_id        TEXT PRIMARY KEY REFERENCES conversations (id),
    position               BIGINT NOT NULL,
    estimated_wait_seconds BIGINT NOT NULL
);

-- The measurements the estimates use, kept apart from the routing rows (a
-- reopen starts a new cycle there): handling times (assigned → resolved)
-- and arrivals in the queue. Each write keeps only what the estimates read.
CREATE TABLE handle_times (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department  TEXT NOT NULL,
    seconds     DOUBLE PRECISION NOT NULL,
    resolved_at BIGINT NOT NULL
);
CREATE INDEX handle_times_department_idx ON handle_times (department, resolved_at);

CREATE TABLE queue_arrivals (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    department TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX queue_arrivals_at_idx ON queue_arrivals (at);

-- Help center (knowledge base) --------------------------------------------

CREATE TABLE kb_articles (
    id         TEXT PRIMARY KEY,
    department TEXT NOT NULL,
    section    TEXT NOT NULL,
    title      TEXT NOT NULL,
    tags       JSONB NOT NULL,         -- array of strings
    body       TEXT NOT NULL,          -- Markdown
    updated_at BIGINT NOT NULL
);

CREATE TABLE kb_feedback (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    query           TEXT NOT NULL,
    query_key       TEXT NOT NULL,     -- the query lowercased, ё as е, spaces collapsed
    department      TEXT,
    articles        JSONB NOT NULL,    -- array of the offered article ids
    outcome         TEXT NOT NULL,     -- helped | not_helped | no_answer
    conversation_id TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX kb_feedback_query_idx ON kb_feedback (query_key);

-- Read receipts: how far each side has read a conversation.
CREATE TABLE read_marks (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    side            TEXT NOT NULL,     -- 'customer' or 'operators'
    seq             BIGINT NOT NULL,
    public_seq      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, side)
);
