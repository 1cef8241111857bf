-- Time (issue 16, step 2b): all-day dues beside instants. `due_key` is the instant both
-- kinds sort and filter by: `due_at` itself, or the start of `due_date` in the zone of the
-- user who set it. At most one due is set.
ALTER TABLE tasks ADD COLUMN due_date DATE;
ALTER TABLE tasks ADD COLUMN due_key TIMESTAMPTZ;
UPDATE tasks SET due_key = due_at;
ALTER TABLE tasks ADD CONSTRAINT tasks_one_due CHECK (due_at IS NULL OR due_date IS NULL);

DROP INDEX tasks_list_due, tasks_list_due_desc;
CREATE INDEX tasks_list_due      ON tasks (list_id, due_key, id);
-- Read backwards: descending due dates with the missing ones last.
CREATE INDEX tasks_list_due_desc ON tasks (list_id, due_key NULLS FIRST, id);
