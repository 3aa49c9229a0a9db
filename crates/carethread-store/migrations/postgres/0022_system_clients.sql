-- Systems that reach the FHIR API with SMART Backend Services: each is
-- registered by an administrator with its public keys (a JWK Set) and the
-- scopes it may be granted, and acts as an account of its own, so the core
-- policy applies to it as to any member of staff with that role.
CREATE TABLE system_clients (
    client_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL UNIQUE REFERENCES users(id),
    name        TEXT NOT NULL,
    jwks        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
-- Each signed assertion is used once (its jti), remembered until it expires.
CREATE TABLE system_client_assertions (
    client_id   TEXT NOT NULL REFERENCES system_clients(client_id),
    jti         TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
-- A system's token holds the scopes it was granted; people's sessions none.
ALTER TABLE sessions ADD COLUMN scopes TEXT;
