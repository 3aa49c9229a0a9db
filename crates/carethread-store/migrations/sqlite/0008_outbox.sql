-- The outbox: work that must happen later or elsewhere (a notification, a
-- page to whoever is on call, a reminder), written in the same transaction
-- as the action that causes it and run by a worker in every server. A job
-- is claimed with a lease; a server that dies holding one leaves it to be
-- claimed again when the lease runs out, so nothing acknowledged is lost.
-- Payloads hold identifiers only, never message text.

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    -- Pending jobs with the same key are one job: a burst of replies is one e-mail.
    dedupe_key   TEXT,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'done', 'dead', 'cancelled')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_dead ON jobs (finished_at) WHERE state = 'dead';
CREATE UNIQUE INDEX jobs_pending_key ON jobs (dedupe_key) WHERE state = 'pending' AND dedupe_key IS NOT NULL;

-- What was sent to whom and when (never what it said beyond its kind): the
-- thread shows staff who was paged and when; reminders are sent once.
CREATE TABLE notices_sent (
    id           TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users(id),
    thread_id    TEXT REFERENCES threads(id),
    kind         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    sent_at      INTEGER NOT NULL
);
CREATE INDEX notices_sent_by_thread ON notices_sent (thread_id, sent_at) WHERE thread_id IS NOT NULL;
CREATE INDEX notices_sent_by_recipient ON notices_sent (recipient_id, sent_at);

-- How each person wants to be told: e-mail, SMS or not at all, quiet hours
-- in the clinic's time zone, the language of the notice, and the token of
-- the unsubscribe link that works without signing in (it can only turn
-- notices off, so it is kept as it is, to put in every notice).
CREATE TABLE contact_preferences (
    user_id           TEXT PRIMARY KEY REFERENCES users(id),
    email             TEXT,
    phone             TEXT,
    channel           TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms', 'none')),
    quiet_start       TEXT,
    quiet_end         TEXT,
    language          TEXT,
    unsubscribe_token TEXT UNIQUE,
    updated_at        INTEGER NOT NULL
);
