-- Time (issue 16, step 2b): all-day dues beside instants. `due_date` is the day (a Julian
-- day number), `due_key` the instant both kinds sort and filter by: `due_at` itself, or
-- the start of `due_date` in the zone of the user who set it. At most one due is set.
ALTER TABLE tasks ADD COLUMN due_date INTEGER;
ALTER TABLE tasks ADD COLUMN due_key INTEGER;
UPDATE tasks SET due_key = due_at;
CREATE TRIGGER tasks_one_due_insert BEFORE INSERT ON tasks
WHEN NEW.due_at IS NOT NULL AND NEW.due_date IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: one due'); END;
CREATE TRIGGER tasks_one_due_update BEFORE UPDATE OF due_at, due_date ON tasks
WHEN NEW.due_at IS NOT NULL AND NEW.due_date IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: one due'); END;

DROP INDEX tasks_list_due;
DROP INDEX tasks_list_due_nulls_last;
CREATE INDEX tasks_list_due ON tasks (list_id, due_key, id);
-- Ascending due dates with the missing ones last (SQLite sorts NULL first).
CREATE INDEX tasks_list_due_nulls_last ON tasks (list_id, due_key IS NULL, due_key, id);
