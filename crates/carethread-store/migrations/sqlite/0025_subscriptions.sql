-- FHIR Subscriptions (the R4 backport, topic-based): a registered system
-- asks to be told, by a POST to its endpoint, when a topic's event happens
-- (a Communication created, a Task changed), optionally for one patient.
-- A scan reads the events after each subscription's cursor and writes one
-- notification job per event batch; the cursor moves in the same transaction.
CREATE TABLE subscriptions (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    patient_id      TEXT REFERENCES users(id) ON DELETE CASCADE,
    endpoint        TEXT NOT NULL,
    fhir_base       TEXT NOT NULL,
    headers         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('requested', 'active', 'error', 'off')),
    error           TEXT,
    cursor_at       INTEGER NOT NULL,
    cursor_id       TEXT NOT NULL,
    events          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX subscriptions_by_owner ON subscriptions (owner_id);
