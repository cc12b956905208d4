-- Operators find conversations by words of their messages and by the
-- customer's name, id or order. FTS5 indexes, kept by triggers in the same
-- transaction as the rows they index.

-- The messages' text, read from messages itself (external content).
CREATE VIRTUAL TABLE message_search USING fts5(
    text, content = 'messages', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, text) VALUES (new.rowid, new.text);
END;
-- A redaction rewrites the text: the index forgets the old words.
CREATE TRIGGER messages_search_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO message_search (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
INSERT INTO message_search (message_search) VALUES ('rebuild');

-- Who and what the conversation is about; its own copy of the words.
CREATE VIRTUAL TABLE conversation_search USING fts5(
    customer_name, customer_id, order_id, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_search (rowid, customer_name, customer_id, order_id)
    VALUES (new.rowid, new.customer_name, new.customer_id,
            coalesce(json_extract(new.subject, '$.order_id'), ''));
END;
CREATE TRIGGER conversations_search_update AFTER UPDATE OF customer_name, customer_id, subject
ON conversations BEGIN
    DELETE FROM conversation_search WHERE rowid = old.rowid;
    INSERT INTO conversation_search (rowid, customer_name, customer_id, order_id)
    VALUES (new.rowid, new.customer_name, new.customer_id,
            coalesce(json_extract(new.subject, '$.order_id'), ''));
END;
CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
    DELETE FROM conversation_search WHERE rowid = old.rowid;
END;
INSERT INTO conversation_search (rowid, customer_name, customer_id, order_id)
SELECT rowid, customer_name, customer_id, coalesce(json_extract(subject, '$.order_id'), '')
FROM conversations;
