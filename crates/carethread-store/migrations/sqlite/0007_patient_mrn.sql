-- The clinic's medical record number for a patient, where one is set:
-- staff see it beside the name and date of birth, so two patients with the
-- same name are never confused. Unique among the patients who have one.

ALTER TABLE users ADD COLUMN mrn TEXT;
CREATE UNIQUE INDEX users_mrn ON users (mrn) WHERE mrn IS NOT NULL;
