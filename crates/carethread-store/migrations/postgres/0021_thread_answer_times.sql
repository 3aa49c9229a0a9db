-- When each thread was first answered by the care team and first closed,
-- kept on the thread as they happen, so the response figures read them
-- with the thread instead of searching its messages and changes again.
ALTER TABLE threads ADD COLUMN first_reply_at BIGINT;
ALTER TABLE threads ADD COLUMN first_closed_at BIGINT;

-- A reply is the care team's when it is not an internal note and its author
-- was a member of staff when it was sent (the roles of `staff_roles()`).
CREATE FUNCTION record_first_reply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT u.role FROM users u WHERE u.id = NEW.author_id) IN ('physician', 'nurse', 'pharmacist', 'front_desk', 'billing') THEN
        UPDATE threads SET first_reply_at = NEW.sent_at
        WHERE id = NEW.thread_id AND (first_reply_at IS NULL OR first_reply_at > NEW.sent_at);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER messages_first_reply AFTER INSERT ON messages
FOR EACH ROW
WHEN (NEW.internal = FALSE)
EXECUTE FUNCTION record_first_reply();

-- The first close, at the time `thread_changes` records it.
CREATE FUNCTION record_first_close() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.first_closed_at := NEW.updated_at;
    RETURN NEW;
END;
$$;

CREATE TRIGGER threads_first_close BEFORE UPDATE OF status ON threads
FOR EACH ROW
WHEN (NEW.status = 'closed' AND OLD.status IS DISTINCT FROM 'closed' AND OLD.first_closed_at IS NULL)
EXECUTE FUNCTION record_first_close();

UPDATE threads SET
    first_reply_at = (SELECT MIN(m.sent_at) FROM messages m JOIN users a ON a.id = m.author_id
        WHERE m.thread_id = threads.id AND m.internal = FALSE
        AND a.role IN ('physician', 'nurse', 'pharmacist', 'front_desk', 'billing')),
    first_closed_at = (SELECT MIN(c.at) FROM thread_changes c WHERE c.thread_id = threads.id AND c.to_status = 'closed');

-- Moves in and out are counted from the changes of a range alone.
DROP INDEX thread_changes_by_time;
CREATE INDEX thread_changes_by_time ON thread_changes (at, thread_id, from_assignee, to_assignee, from_pool, to_pool);
