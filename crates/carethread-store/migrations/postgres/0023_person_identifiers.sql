-- How people imported from a clinic's EHR are known there (an NPI, the EHR's
-- own person id), so that importing the same people again finds them
-- instead of adding them twice. Patients are known by their record number
-- (users.mrn) and need no row here.
CREATE TABLE person_identifiers (
    system  TEXT NOT NULL,
    value   TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (system, value)
);
CREATE INDEX person_identifiers_by_user ON person_identifiers (user_id);
