-- CareThread schema, SQLite. Identifiers are UUID text; times are milliseconds
-- since the Unix epoch (UTC); booleans are 0/1.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    date_of_birth TEXT,
    language      TEXT NOT NULL DEFAULT 'en',
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE pools (
    id   TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE pool_members (
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (pool_id, user_id)
);
CREATE INDEX pool_members_by_user ON pool_members(user_id);

CREATE TABLE care_team_members (
    patient_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    staff_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (patient_id, staff_id)
);
CREATE INDEX care_team_by_staff ON care_team_members(staff_id);

CREATE TABLE proxy_grants (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    proxy_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX proxy_grants_by_proxy ON proxy_grants(proxy_id, patient_id);

CREATE TABLE threads (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES users(id),
    subject         TEXT NOT NULL,
    category        TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    urgency_rank    INTEGER NOT NULL,
    status          TEXT NOT NULL,
    replies_allowed BOOLEAN NOT NULL,
    pool_id         TEXT REFERENCES pools(id),
    assignee_id     TEXT REFERENCES users(id),
    confidential    BOOLEAN NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- Messages so far (internal notes included); the next message's seq.
    message_count   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX threads_by_patient ON threads(patient_id, updated_at);
CREATE INDEX threads_by_pool ON threads(pool_id, updated_at);
CREATE INDEX threads_by_assignee ON threads(assignee_id, updated_at);
CREATE INDEX threads_by_activity ON threads(updated_at, id);

CREATE TABLE messages (
    id        TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES threads(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    body      TEXT NOT NULL,
    internal  BOOLEAN NOT NULL,
    sent_at   INTEGER NOT NULL,
    -- 1, 2, 3… within the thread, in the order messages were stored.
    seq       INTEGER NOT NULL,
    -- The sender's Idempotency-Key and a fingerprint of the request it came
    -- with: a retry with the same key finds this message instead of adding one.
    idempotency_key     TEXT,
    request_fingerprint TEXT,
    UNIQUE (thread_id, seq)
);
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages(author_id, idempotency_key);
-- Covers the unread count: messages after a reader's mark, by others.
CREATE INDEX messages_unread ON messages(thread_id, seq, author_id, internal);

CREATE TABLE message_reads (
    message_id TEXT NOT NULL REFERENCES messages(id),
    reader_id  TEXT NOT NULL REFERENCES users(id),
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (message_id, reader_id)
);

-- How far each reader has read each thread (by message seq): makes unread
-- counts a short range scan instead of a pass over every message.
CREATE TABLE thread_reads (
    thread_id TEXT NOT NULL REFERENCES threads(id),
    reader_id TEXT NOT NULL REFERENCES users(id),
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (thread_id, reader_id)
);

CREATE TABLE attachments (
    id          TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES messages(id),
    thread_id   TEXT NOT NULL REFERENCES threads(id),
    uploader_id TEXT NOT NULL REFERENCES users(id),
    media_type  TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    content     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX attachments_by_message ON attachments(message_id);

CREATE TABLE triage_results (
    id            TEXT PRIMARY KEY,
    thread_id     TEXT NOT NULL REFERENCES threads(id),
    message_id    TEXT REFERENCES messages(id),
    urgency       TEXT NOT NULL,
    category      TEXT NOT NULL,
    pool_slug     TEXT,
    confidence    REAL NOT NULL,
    reasons       TEXT NOT NULL,
    model_id      TEXT NOT NULL,
    model_version TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX triage_by_thread ON triage_results(thread_id, created_at);
