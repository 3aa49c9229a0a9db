-- FHIR Bulk Data exports a registered system asked for: what it asked
-- (Patient or Group level, the types, since when), how far the work got,
-- and when the files expire. The files hold PHI and are sealed like
-- message bodies; they are deleted with their export.
CREATE TABLE bulk_exports (
    id            TEXT PRIMARY KEY,
    requested_by  TEXT NOT NULL REFERENCES users(id),
    pool_id       TEXT REFERENCES pools(id),
    types         TEXT NOT NULL,
    since         BIGINT,
    request       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'failed')),
    error         TEXT,
    created_at    BIGINT NOT NULL,
    completed_at  BIGINT,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX bulk_exports_by_expiry ON bulk_exports (expires_at);
CREATE TABLE bulk_export_files (
    id            TEXT PRIMARY KEY,
    export_id     TEXT NOT NULL REFERENCES bulk_exports(id) ON DELETE CASCADE,
    resource_type TEXT NOT NULL,
    part          BIGINT NOT NULL,
    lines         BIGINT NOT NULL,
    key_id        BIGINT NOT NULL,
    body          BYTEA NOT NULL,
    UNIQUE (export_id, resource_type, part)
);
