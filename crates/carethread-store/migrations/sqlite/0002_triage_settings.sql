-- A clinic's triage settings, edited by admins: whether the classifier runs
-- (the safety rules always do) and which pool answers each category.
CREATE TABLE triage_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    classifier_enabled BOOLEAN NOT NULL,
    updated_by         TEXT REFERENCES users(id),
    updated_at         INTEGER NOT NULL
);

-- One row per rule that differs from the defaults; rule_key is 'emergency'
-- or a category.
CREATE TABLE routing_rules (
    rule_key   TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL REFERENCES pools(id),
    updated_by TEXT REFERENCES users(id),
    updated_at INTEGER NOT NULL
);

-- Whether triage asked for a human, and who overrode it (NULL: automatic).
ALTER TABLE triage_results ADD COLUMN needs_review BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE triage_results ADD COLUMN overridden_by TEXT REFERENCES users(id);
CREATE INDEX triage_overrides ON triage_results(overridden_by, created_at) WHERE overridden_by IS NOT NULL;
