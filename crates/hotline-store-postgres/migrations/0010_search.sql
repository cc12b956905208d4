-- Operators find conversations by words of their messages and by the
-- customer's name, id or order. Punctuation becomes a space first, so that
-- «MP-100234» is the words mp and 100234 (the parser would read -100234 as
-- a signed number); the 'simple' configuration lowercases and does not
-- stem. SQLite's unicode61 tokenizer cuts words the same way: both backends
-- find the same conversations for the same terms.
CREATE INDEX messages_text_search_idx ON messages
    USING gin (to_tsvector('simple', regexp_replace(text, '[[:punct:]]+', ' ', 'g')));
CREATE INDEX conversations_search_idx ON conversations
    USING gin (to_tsvector('simple', regexp_replace(
        customer_name || ' ' || customer_id || ' ' || coalesce(subject ->> 'order_id', ''),
        '[[:punct:]]+', ' ', 'g')));
