-- The insights pages read every message of a date range, and for a reply
-- the patient's message before it in the thread. Both indexes are widened
-- to hold what those reads need, so the figures come from the index alone
-- and never from the message rows (which hold the sealed bodies). Widened
-- rather than added: a message written updates no more indexes than before.
DROP INDEX messages_by_time;
CREATE INDEX messages_by_time ON messages (sent_at, internal, author_id, thread_id, seq, ai_assisted, reading_grade, id);
DROP INDEX messages_unread;
CREATE INDEX messages_unread ON messages (thread_id, seq, author_id, internal, sent_at, id);
