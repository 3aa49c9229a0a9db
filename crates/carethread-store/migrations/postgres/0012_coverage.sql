-- Coverage while a clinician is away: one absence per person (set again to
-- change it), covered by a colleague or a pool; and each thread moved to the
-- coverer when the absence began, with the pool it was in, so it comes back
-- when the absence ends unless someone took it meanwhile.

CREATE TABLE absences (
    person_id       TEXT PRIMARY KEY REFERENCES users(id),
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    coverer_user_id TEXT REFERENCES users(id),
    coverer_pool_id TEXT REFERENCES pools(id),
    updated_at      BIGINT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK ((coverer_user_id IS NULL) <> (coverer_pool_id IS NULL))
);

CREATE TABLE coverage_moves (
    thread_id     TEXT PRIMARY KEY REFERENCES threads(id),
    person_id     TEXT NOT NULL REFERENCES users(id),
    to_user_id    TEXT REFERENCES users(id),
    to_pool_id    TEXT REFERENCES pools(id),
    prior_pool_id TEXT REFERENCES pools(id),
    moved_at      BIGINT NOT NULL
);
CREATE INDEX coverage_moves_by_person ON coverage_moves (person_id);
