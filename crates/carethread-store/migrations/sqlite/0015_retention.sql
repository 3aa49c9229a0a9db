-- Legal hold: while a patient is under hold, none of her conversations is
-- purged, however old. Set and released by administrators, audited.
CREATE TABLE legal_holds (
    patient_id TEXT PRIMARY KEY REFERENCES users(id),
    reason     TEXT NOT NULL,
    set_by     TEXT REFERENCES users(id),
    set_at     INTEGER NOT NULL
);
-- The retention sweep reads closed threads by when they last changed.
CREATE INDEX threads_closed_by_activity ON threads(updated_at) WHERE status = 'closed';
