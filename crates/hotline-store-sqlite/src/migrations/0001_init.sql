-- Hotline on SQLite: the schema of release 0.1.0. Released: never edit this
-- file; change the schema in a new, higher-numbered one. Constraint names match the PostgreSQL
-- schema so that errors map the same way on both.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE departments (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    bot      INTEGER NOT NULL,
    topics   TEXT NOT NULL,            -- JSON array of {id, name}
    ordinal  INTEGER NOT NULL
);

CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
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
    expires_at  INTEGER NOT NULL
);

CREATE TABLE customers (
    id         TEXT PRIMARY KEY,       -- the identity token's `sub`
    name       TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    updated_at INTEGER NOT NULL,       -- when the token's facts last changed
    tier       TEXT                    -- the token's `tier` claim, for the priority rules
);

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    department    TEXT NOT NULL,
    status        TEXT NOT NULL,
    subject       TEXT NOT NULL,       -- JSON, see domain::Subject
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    assignee_id   TEXT,
    assignee_name TEXT,
    last_seq      INTEGER NOT NULL,       -- every message
    last_public_seq INTEGER NOT NULL,     -- messages customers see
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
-- Not on updated_at: every message changes it, and moving index entries on
-- each message costs more than sorting one customer's or queue's rows.
CREATE INDEX conversations_customer_idx ON conversations (customer_id);
CREATE INDEX conversations_department_idx ON conversations (department, status);

-- Rows are appended (rowid order); every index on them is written at a
-- random place on each insert and costs WAL pages per group commit, so there
-- are only two. The wire id needs none (nothing looks messages up by it), nor
-- does public_seq: it rises with seq, so customers page along the primary key
-- (measured: a public_seq index cost ~20 % of throughput).
CREATE TABLE messages (
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,     -- among all messages (operators)
    public_seq      INTEGER,              -- among those customers see; NULL on notes
    author_kind     TEXT NOT NULL,
    author_id       TEXT,
    author_name     TEXT NOT NULL,
    text            TEXT NOT NULL,
    internal        INTEGER NOT NULL,
    client_msg_id   TEXT,
    attachments     TEXT NOT NULL,     -- JSON array of AttachmentInfo, fixed at send
    created_at      INTEGER NOT NULL,
    suggestions     TEXT,              -- bot messages: JSON array of ArticleSuggestion
    CONSTRAINT messages_pkey PRIMARY KEY (conversation_id, seq),
    CONSTRAINT messages_client_msg_id_key UNIQUE (author_kind, author_id, client_msg_id)
);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    sha256        TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    uploader_kind TEXT NOT NULL,
    uploader_id   TEXT NOT NULL,
    conversation_id TEXT,              -- with message_seq: the message that sent it
    message_seq   INTEGER,
    created_at    INTEGER NOT NULL
);

-- The event log. `position` is assigned by the single writer in commit order,
-- so committed positions are dense and never appear out of order.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    department      TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    internal        INTEGER NOT NULL,
    data            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX events_customer_idx ON events (customer_id, position);
CREATE INDEX events_department_idx ON events (department, position);

-- ---------------------------------------------------------------------------
-- Web (issue 3): the customer's context as their identity token last stated
-- it (contact facts, login methods, orders and bookings), for operators.
CREATE TABLE customer_contexts (
    customer_id TEXT PRIMARY KEY,
    context     TEXT NOT NULL,         -- JSON object built by the server
    updated_at  INTEGER NOT NULL
);
-- Security layer: the audit log. Append-only (the triggers refuse changes)
-- and hash-chained: each `hash` covers the row and the previous row's hash,
-- so an edit or deletion made behind the triggers' back is detected by
-- `hotline audit verify`.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT,
    details    TEXT NOT NULL,          -- JSON, never message text
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- Queues, routing and SLA ----------------------------------------------------

-- Operators' presence and capacity; without a row an operator is offline with
-- the default capacity.
CREATE TABLE operator_presence (
    operator_id TEXT PRIMARY KEY REFERENCES operators (id) ON DELETE CASCADE,
    presence    TEXT NOT NULL,           -- online, away, offline
    capacity    INTEGER NOT NULL,        -- concurrent conversations
    changed_at  INTEGER NOT NULL
);

-- One row per conversation that has been in the human queue: its priority,
-- its current SLA cycle (a reopen starts a new one) and when things happened.
CREATE TABLE conversation_routing (
    conversation_id            TEXT PRIMARY KEY REFERENCES conversations (id),
    department                 TEXT NOT NULL,
    priority                   TEXT NOT NULL,
    waiting_since              INTEGER,  -- entered the queue; kept on transfer
    first_response_due         INTEGER,
    resolution_due             INTEGER,
    first_response_at          INTEGER,  -- the first public operator reply
    assigned_at                INTEGER,
    resolved_at                INTEGER,
    first_response_breached_at INTEGER,
    resolution_breached_at     INTEGER
);
-- The SLA sweep looks only at open clocks.
CREATE INDEX conversation_routing_first_due_idx ON conversation_routing (first_response_due)
    WHERE first_response_at IS NULL AND first_response_breached_at IS NULL;
CREATE INDEX conversation_routing_resolution_due_idx ON conversation_routing (resolution_due)
    WHERE resolved_at IS NULL AND resolution_breached_at IS NULL;
CREATE INDEX conversation_routing_department_idx ON conversation_routing (department, first_response_at);
-- Help center (knowledge base) --------------------------------------------

CREATE TABLE kb_articles (
    id         TEXT PRIMARY KEY,
    department TEXT NOT NULL,
    section    TEXT NOT NULL,
    title      TEXT NOT NULL,
    tags       TEXT NOT NULL,          -- JSON array of strings
    body       TEXT NOT NULL,          -- Markdown
    updated_at INTEGER NOT NULL
);

-- What customers said about the bot's answers, one row per answer.
CREATE TABLE kb_feedback (
    id              INTEGER PRIMARY KEY,
    query           TEXT NOT NULL,
    query_key       TEXT NOT NULL,     -- the query lowercased, ё as е, spaces collapsed
    department      TEXT,
    articles        TEXT NOT NULL,     -- JSON array of the offered article ids
    outcome         TEXT NOT NULL,     -- helped | not_helped | no_answer
    conversation_id TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX kb_feedback_query_idx ON kb_feedback (query_key);

-- ---------------------------------------------------------------------------
-- Read receipts (issue 3): how far each side has read a conversation, in
-- both numberings (seq for operators, public_seq for the customer).
CREATE TABLE read_marks (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    side            TEXT NOT NULL,     -- 'customer' or 'operators'
    seq             INTEGER NOT NULL,
    public_seq      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, side)
);
