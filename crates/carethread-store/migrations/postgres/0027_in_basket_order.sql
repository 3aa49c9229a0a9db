-- The in-basket's order, readable from indexes: most urgent first, then the
-- longest waiting for the care team (awaiting_since), then the rest by newest
-- activity, then by id. `wait_key` is that second key (a stored generated column),
-- the same formula as `carethread_store::model::wait_key`. Each way a thread
-- reaches a staff member's in-basket (assigned to them, in one of their
-- pools, any thread of the clinic walked in order) is one index in that
-- order, so a page reads about a page of rows whatever the size of the clinic.
ALTER TABLE threads ADD COLUMN wait_key BIGINT GENERATED ALWAYS AS (COALESCE(awaiting_since, 100000000000000 - updated_at)) STORED;
CREATE INDEX threads_in_basket_by_pool ON threads(pool_id, status, urgency_rank, wait_key, id);
CREATE INDEX threads_in_basket_by_assignee ON threads(assignee_id, status, urgency_rank, wait_key, id);
CREATE INDEX threads_in_basket ON threads(status, urgency_rank, wait_key, id);
