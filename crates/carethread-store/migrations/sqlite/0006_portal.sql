-- The portal: the clinic's profile as administrators edit it (hours, time
-- zone, reply targets, message length, disclosure line), and when each
-- thread began waiting for the care team, from which its due time follows.

CREATE TABLE clinic_profile (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    updated_at INTEGER NOT NULL
);

-- Set when a patient's (or proxy's) message leaves the thread waiting for
-- the care team, kept while it waits, cleared by a reply or by closing.
ALTER TABLE threads ADD COLUMN awaiting_since INTEGER;
UPDATE threads SET awaiting_since = updated_at WHERE status = 'open';
