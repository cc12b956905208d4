-- Travel call-backs (обратный звонок), as SQLite's 0013: the call-back queue. The call-back
-- itself (booking, phone, outcome) is one JSON record; the columns are what
-- the queue is read and kept unique by. See docs/callbacks.md.

CREATE TABLE callbacks (
    id              TEXT PRIMARY KEY,
    -- Erasing the customer's conversations erases their call-backs (and the phone).
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    customer_id     TEXT NOT NULL,
    -- The department the booking was ordered in: its operators call.
    department      TEXT NOT NULL,
    status          TEXT NOT NULL,
    due_at          BIGINT NOT NULL,
    -- Idempotency: the customer's id of the order.
    client_msg_id   TEXT NOT NULL,
    record          JSONB NOT NULL,
    UNIQUE (customer_id, client_msg_id)
);

-- The queue: waiting ones by due time, per department.
CREATE INDEX callbacks_queue ON callbacks (status, department, due_at);
-- At most one call-back waits per conversation.
CREATE UNIQUE INDEX callbacks_one_waiting ON callbacks (conversation_id) WHERE status = 'waiting';
