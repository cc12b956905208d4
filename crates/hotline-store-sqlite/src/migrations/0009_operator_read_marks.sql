-- How far each operator has read each conversation: their queues count what
-- they have not read. The operators' side mark in read_marks stays what the
-- customer sees as "read".
CREATE TABLE operator_read_marks (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    operator_id     TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CONSTRAINT operator_read_marks_pkey PRIMARY KEY (conversation_id, operator_id)
);

-- Until now one mark served all operators: the operator who has the
-- conversation keeps it as their own.
INSERT INTO operator_read_marks (conversation_id, operator_id, seq, updated_at)
SELECT rm.conversation_id, c.assignee_id, rm.seq, rm.updated_at
FROM read_marks rm JOIN conversations c ON c.id = rm.conversation_id
WHERE rm.side = 'operators' AND c.assignee_id IS NOT NULL;
