-- Insights over a date range read only what falls in it: drafts by when they
-- were asked for and when they were sent, and patients' answers to "did this
-- answer your question?" (a small part of all messages) by when they were given.
CREATE INDEX drafts_by_time ON drafts (created_at);
CREATE INDEX drafts_by_sent ON drafts (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX messages_answered_by_time ON messages (sent_at) WHERE answered IS NOT NULL;
