-- The customer's rating of a resolved conversation (CSAT), as JSON:
-- {"score": 1..5, "comment"?, "rated_at"}. NULL until they rate.
ALTER TABLE conversations ADD COLUMN rating TEXT;
