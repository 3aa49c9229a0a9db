-- Insights, second part. A clinic lead: a member of staff the clinic lets
-- read its insights beside its administrators. A patient's answer to "did
-- this answer your question?" (yes or no), kept on the message that carries
-- it. And every thread moved to a coverer while its clinician was away, kept
-- after the thread goes back (coverage_moves holds only the moves in force).
ALTER TABLE users ADD COLUMN clinic_lead BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE messages ADD COLUMN answered TEXT CHECK (answered IN ('yes', 'no'));

CREATE TABLE coverage_received (
    thread_id  TEXT NOT NULL REFERENCES threads(id),
    person_id  TEXT NOT NULL REFERENCES users(id),
    to_user_id TEXT REFERENCES users(id),
    to_pool_id TEXT REFERENCES pools(id),
    at         INTEGER NOT NULL
);
CREATE INDEX coverage_received_by_time ON coverage_received (at);
INSERT INTO coverage_received (thread_id, person_id, to_user_id, to_pool_id, at)
    SELECT thread_id, person_id, to_user_id, to_pool_id, moved_at FROM coverage_moves;
