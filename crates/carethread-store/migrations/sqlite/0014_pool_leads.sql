-- A pool's lead: told with the assignee when one of the pool's threads is
-- overdue. Always a member of the pool; leaving the pool ends the role.
ALTER TABLE pools ADD COLUMN lead_user_id TEXT REFERENCES users(id);
