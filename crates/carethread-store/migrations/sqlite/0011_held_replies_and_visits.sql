-- Replies written now and released later: at a set time (a job in the
-- outbox releases them) or when their author releases them (results the
-- clinician wants to discuss first). The patient sees nothing of a held
-- reply; releasing it writes the message through the normal path and
-- deletes the row in one transaction; cancelling deletes it.
CREATE TABLE held_replies (
    id         TEXT PRIMARY KEY,
    thread_id  TEXT NOT NULL REFERENCES threads(id),
    author_id  TEXT NOT NULL REFERENCES users(id),
    body       TEXT NOT NULL,
    key_id     INTEGER NOT NULL,
    -- NULL: held until its author releases it.
    release_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX held_replies_by_thread ON held_replies (thread_id, created_at);

-- A thread turned into a visit: the front desk books it, billing sees that
-- the e-visit led to a visit. The reason is the patient's to read, sealed.
CREATE TABLE visit_requests (
    id           TEXT PRIMARY KEY,
    thread_id    TEXT NOT NULL REFERENCES threads(id),
    patient_id   TEXT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL CHECK (kind IN ('in_person', 'video', 'phone')),
    reason       TEXT NOT NULL,
    key_id       INTEGER NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_at INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'booked', 'cancelled')),
    updated_at   INTEGER NOT NULL
);
CREATE INDEX visit_requests_by_status ON visit_requests (status, requested_at);
CREATE INDEX visit_requests_by_thread ON visit_requests (thread_id);
