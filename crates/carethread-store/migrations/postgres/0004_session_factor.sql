-- Whether the session itself passed the second factor (signed in with a
-- TOTP or recovery code, or confirmed enrolment): a session opened with the
-- password alone never gains full access when the account later turns MFA on.
ALTER TABLE sessions ADD COLUMN mfa_passed BOOLEAN NOT NULL DEFAULT FALSE;

-- Whether rows written before encryption (no key id, plaintext) may still
-- exist. A database created encrypted never reads a row without a key id;
-- an upgraded one does until `carethread keys rotate` has sealed them all.
CREATE TABLE encryption_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    legacy_plaintext BOOLEAN NOT NULL
);
