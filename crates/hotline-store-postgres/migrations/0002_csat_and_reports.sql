-- Customer satisfaction and reports (issue 16), as SQLite's 0002.
--
-- The customer's rating of a resolved conversation (CSAT):
-- {"score": 1..5, "comment"?, "rated_at"}. NULL until they rate.
ALTER TABLE conversations ADD COLUMN rating JSONB;

-- Reports read the conversations opened in a period.
CREATE INDEX conversations_created_idx ON conversations (created_at);
