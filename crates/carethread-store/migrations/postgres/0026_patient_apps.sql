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
-- then the refresh token and the access token in use (hashes only). Ended
-- by the patient, when she signs out everywhere, or when the app is revoked.
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
    refresh_expires_at BIGINT,
    access_hash     TEXT,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT NOT NULL,
    ended_at        BIGINT
);
CREATE INDEX app_connections_by_user ON app_connections (user_id, created_at);
CREATE INDEX app_connections_by_app ON app_connections (app_id);
-- Every refresh token a connection traded in: one presented again was
-- copied, and the connection ends.
CREATE TABLE app_used_refresh (
    hash           TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES app_connections(id)
);
CREATE INDEX app_used_refresh_by_connection ON app_used_refresh (connection_id);
-- The clinic's key for signing id_tokens (RS256), sealed like message
-- bodies; its public half is published at the FHIR base's jwks address.
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    key_id       BIGINT NOT NULL,
    private_key  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
