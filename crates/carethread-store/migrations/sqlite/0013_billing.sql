-- E-visit billing. The clinic's switch and the patient notice (English and
-- Spanish); each patient's consent (given yearly, withdrawn or declined) and
-- the facts billing needs; clinicians' activity pings from the staff thread
-- page; what each thread was about as its clinician recorded it; each
-- clinician's attestation of a period (measured and attested minutes both
-- kept); and billing staff's decision on each period. No message text.

CREATE TABLE billing_settings (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    enabled             BOOLEAN NOT NULL,
    notice_en           TEXT NOT NULL,
    notice_es           TEXT NOT NULL,
    payer               TEXT NOT NULL,
    idle_cutoff_seconds INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE billing_patients (
    patient_id            TEXT PRIMARY KEY REFERENCES users(id),
    -- Dates in the clinic's calendar (YYYY-MM-DD).
    consent_given_on      TEXT,
    consent_withdrawn_on  TEXT,
    first_visit_on        TEXT,
    surgical_global_until TEXT,
    updated_at            INTEGER NOT NULL
);

CREATE TABLE billing_pings (
    clinician_id TEXT NOT NULL REFERENCES users(id),
    thread_id    TEXT NOT NULL REFERENCES threads(id),
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    PRIMARY KEY (clinician_id, thread_id, at)
);
CREATE INDEX billing_pings_by_thread ON billing_pings (thread_id, at);
CREATE INDEX billing_pings_by_time ON billing_pings (at);

CREATE TABLE billing_threads (
    thread_id   TEXT PRIMARY KEY REFERENCES threads(id),
    -- NULL until a clinician records it.
    purpose     TEXT,
    -- The patient declined billing when she wrote: answered, never billed.
    declined    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_by  TEXT REFERENCES users(id),
    updated_at  INTEGER NOT NULL
);

CREATE TABLE billing_attestations (
    patient_id       TEXT NOT NULL REFERENCES users(id),
    clinician_id     TEXT NOT NULL REFERENCES users(id),
    period_start     INTEGER NOT NULL,
    period_end       INTEGER NOT NULL,
    measured_minutes INTEGER NOT NULL,
    attested_minutes INTEGER NOT NULL,
    attested_at      INTEGER NOT NULL,
    PRIMARY KEY (patient_id, clinician_id, period_start)
);

CREATE TABLE billing_claims (
    patient_id   TEXT NOT NULL REFERENCES users(id),
    clinician_id TEXT NOT NULL REFERENCES users(id),
    period_start INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('approved', 'held', 'rejected')),
    reason       TEXT,
    code         TEXT,
    minutes      INTEGER,
    decided_by   TEXT NOT NULL REFERENCES users(id),
    decided_at   INTEGER NOT NULL,
    exported_at  INTEGER,
    PRIMARY KEY (patient_id, clinician_id, period_start)
);
CREATE INDEX billing_claims_by_status ON billing_claims (status, decided_at);
