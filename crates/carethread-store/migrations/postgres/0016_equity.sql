-- The equity monitor. When e-visit billing was last turned on (kept when it
-- is turned off again, so "before" and "after" stay comparable), and the
-- groups a patient gave (payer type, sex, race, ethnicity, or a clinic's own
-- grouping): one value per dimension, recorded by front desk or an
-- administrator, each change audited. Language and age band come from the
-- patient's account.
ALTER TABLE billing_settings ADD COLUMN enabled_since BIGINT;
UPDATE billing_settings SET enabled_since = updated_at WHERE enabled;

CREATE TABLE patient_groups (
    patient_id TEXT NOT NULL REFERENCES users(id),
    dimension  TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (patient_id, dimension)
);
