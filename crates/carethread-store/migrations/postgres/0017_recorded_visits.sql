-- Visits that took place about a conversation's problem, recorded by staff
-- from the thread or imported from the practice's schedule. Like a visit
-- requested from the thread, one within 7 days of an online visit's period
-- takes its time (the period is not billed apart), and one in the 7 days
-- before it means the problem was just seen.
CREATE TABLE recorded_visits (
    id          TEXT PRIMARY KEY,
    thread_id   TEXT NOT NULL REFERENCES threads(id),
    patient_id  TEXT NOT NULL REFERENCES users(id),
    visited_at  BIGINT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('recorded', 'imported')),
    recorded_by TEXT REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX recorded_visits_by_patient ON recorded_visits (patient_id, visited_at);
-- One visit per thread and day: recording or importing it again changes nothing.
CREATE UNIQUE INDEX recorded_visits_once ON recorded_visits (thread_id, visited_at);
