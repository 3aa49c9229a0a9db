-- Security: the hash-chained audit log, envelope encryption keys, sign-in
-- protection, multi-factor authentication, break-the-glass access.

-- Append-only: each entry carries the hash of the one before (see
-- carethread_core::audit). `detail` is sealed under data key `key_id`.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   TEXT,
    actor_role TEXT,
    patient_id TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    client     TEXT,
    detail     TEXT,
    key_id     INTEGER,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_by_patient ON audit_log(patient_id, at);
CREATE INDEX audit_by_actor ON audit_log(actor_id, at);
CREATE INDEX audit_by_time ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- The chain's head: how many entries were written and the last one's hash.
-- Appending takes this row first, so entries are numbered one at a time.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Data keys, each wrapped under the master key (which is never stored here).
CREATE TABLE data_keys (
    id         INTEGER PRIMARY KEY,
    wrapped    TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL
);

-- The data key sealing each row's PHI columns; NULL: written before
-- encryption, plaintext until `carethread keys rotate` seals it.
ALTER TABLE threads ADD COLUMN key_id INTEGER;
ALTER TABLE messages ADD COLUMN key_id INTEGER;
ALTER TABLE attachments ADD COLUMN key_id INTEGER;
ALTER TABLE triage_results ADD COLUMN key_id INTEGER;
CREATE INDEX threads_by_key ON threads(key_id);
CREATE INDEX messages_by_key ON messages(key_id);
CREATE INDEX attachments_by_key ON attachments(key_id);
CREATE INDEX triage_by_key ON triage_results(key_id);

-- Sign-in protection and multi-factor authentication.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
-- The TOTP secret, sealed under data key mfa_key_id; mfa_enabled once confirmed.
ALTER TABLE users ADD COLUMN mfa_secret TEXT;
ALTER TABLE users ADD COLUMN mfa_key_id INTEGER;
ALTER TABLE users ADD COLUMN mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE;
-- The last TOTP time step accepted, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN mfa_last_step INTEGER;

CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Break-the-glass: a clinician outside the care team opened a patient's
-- threads for a stated reason (sealed), until `expires_at`.
CREATE TABLE emergency_access (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    patient_id TEXT NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL,
    key_id     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX emergency_access_by_user ON emergency_access(user_id, patient_id, expires_at);
