-- Insights: what the clinic's figures (volume, response times, workload,
-- safety) are counted from, and the indexes that let the database count
-- them by date range without reading every row.

-- Each change of a thread's status, pool or assignee, as it happens: when a
-- thread was closed, and where it moved from and to. Written by the database
-- itself, so every way a thread changes is recorded the same way. Holds
-- identifiers only, never content.
CREATE TABLE thread_changes (
    thread_id     TEXT NOT NULL,
    at            BIGINT NOT NULL,
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    from_pool     TEXT,
    to_pool       TEXT,
    from_assignee TEXT,
    to_assignee   TEXT
);
CREATE INDEX thread_changes_by_time ON thread_changes(at);
CREATE INDEX thread_changes_by_thread ON thread_changes(thread_id, to_status, at);

CREATE FUNCTION record_thread_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO thread_changes (thread_id, at, from_status, to_status, from_pool, to_pool, from_assignee, to_assignee)
    VALUES (NEW.id, NEW.updated_at, OLD.status, NEW.status, OLD.pool_id, NEW.pool_id, OLD.assignee_id, NEW.assignee_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER threads_record_changes AFTER UPDATE OF status, pool_id, assignee_id ON threads
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.pool_id IS DISTINCT FROM NEW.pool_id
      OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
EXECUTE FUNCTION record_thread_change();

-- Messages and threads by when they were sent and started.
CREATE INDEX messages_by_time ON messages(sent_at);
CREATE INDEX threads_by_start ON threads(created_at);
