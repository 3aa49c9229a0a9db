-- Apps a patient connects to her own record (SMART App Launch, standalone):
-- an administrator registers each with the addresses it may be sent back
-- to and the patient/ scopes it may ask for.
CREATE TABLE patient_apps (
    app_id         TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    redirect_uris  TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT
);
-- A patient's consent for one app: the scopes she allowed, the one-time
-- code the app redeems (with its PKCE challenge and where it was sent),
-- then the refresh token and the access token in use (hashes only), and
-- the refresh token before it (one presented again means it was stolen: the
-- connection ends). Ended by the patient, or when the app is revoked.
CREATE TABLE app_connections (
    id              TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES patient_apps(app_id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    scopes          TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    nonce           TEXT,
    code_hash       TEXT NOT NULL UNIQUE,
    code_expires_at BIGINT NOT NULL,
    code_used_at    BIGINT,
    refresh_hash    TEXT UNIQUE,
    previous_refresh_hash TEXT,
    refresh_expires_at BIGINT,
    access_hash     TEXT,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT NOT NULL,
    ended_at        BIGINT
);
CREATE INDEX app_connections_by_user ON app_connections (user_id, created_at);
CREATE INDEX app_connections_by_app ON app_connections (app_id);
CREATE INDEX app_connections_by_previous_refresh ON app_connections (previous_refresh_hash);
-- The clinic's key for signing id_tokens (RS256), sealed like message
-- bodies; its public half is published at the FHIR base's jwks address.
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    key_id       BIGINT NOT NULL,
    private_key  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
