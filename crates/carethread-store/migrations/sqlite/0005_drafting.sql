-- Drafting: pending and used reply drafts with what became of them, the
-- clinic's AI switches, its own reply library entries, and quick replies.

-- A draft as a clinician received it (body sealed; NULL when no reply was
-- needed) and, once a reply started from it was sent, that message, the
-- edit distance between draft and reply, and the seconds in between.
CREATE TABLE drafts (
    id            TEXT PRIMARY KEY,
    thread_id     TEXT NOT NULL REFERENCES threads(id),
    requested_by  TEXT NOT NULL REFERENCES users(id),
    body          TEXT,
    key_id        INTEGER,
    model_id      TEXT NOT NULL,
    model_version TEXT NOT NULL,
    reply_needed  BOOLEAN NOT NULL,
    reasons       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    message_id    TEXT REFERENCES messages(id),
    sent_at       INTEGER,
    edit_distance INTEGER,
    seconds_spent INTEGER
);
CREATE INDEX drafts_by_thread ON drafts(thread_id, created_at);
CREATE INDEX drafts_by_user ON drafts(requested_by, created_at);

-- Replies that started from a draft, and every staff reply's reading grade.
ALTER TABLE messages ADD COLUMN ai_assisted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE messages ADD COLUMN reading_grade REAL;

CREATE TABLE ai_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    drafting_enabled   BOOLEAN NOT NULL,
    disclosure_enabled BOOLEAN NOT NULL,
    updated_by         TEXT REFERENCES users(id),
    updated_at         INTEGER NOT NULL
);

-- The clinic's own text for a reply-library situation, in place of the built-in one.
CREATE TABLE reply_templates (
    situation  TEXT NOT NULL,
    language   TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_by TEXT REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (situation, language)
);

-- Snippets expanded by a short code: the clinic's (no owner) or a clinician's own.
CREATE TABLE quick_replies (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT REFERENCES users(id) ON DELETE CASCADE,
    code       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX quick_replies_by_code ON quick_replies(COALESCE(owner_id, ''), code);
