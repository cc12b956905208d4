-- A report covers the departments its reader serves: read only their
-- conversations of the period (measured: one department of ten among a
-- million conversations, docs/benchmarks.md). Written once per
-- conversation, at its start.
CREATE INDEX conversations_department_created_idx ON conversations (department, created_at);
