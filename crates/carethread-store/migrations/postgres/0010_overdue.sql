-- The overdue scan reads the threads waiting for the care team, longest
-- waiting first, every minute: only those rows, from this index.
CREATE INDEX threads_awaiting ON threads(awaiting_since) WHERE awaiting_since IS NOT NULL;
-- Whether a thread was already escalated for its current wait.
CREATE INDEX notices_sent_by_thread_kind ON notices_sent(thread_id, kind, sent_at) WHERE thread_id IS NOT NULL;
