-- Time (issue 16, step 4): recurring tasks. `recurrence` is the series as JSON
-- ({"rule", "from", "start", "index"}: the canonical RRULE, due or completion, the first
-- due as a wall-clock time in the user's zone, the number of the current due in the
-- series), NULL for a task that does not recur. Every completed occurrence is a row of
-- `task_occurrences`, read newest first per task.
ALTER TABLE tasks ADD COLUMN recurrence TEXT;
CREATE TABLE task_occurrences (
    id           INTEGER PRIMARY KEY,
    task_id      BLOB    NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    due_at       INTEGER,
    due_date     INTEGER,
    completed_at INTEGER NOT NULL,
    completed_by BLOB    NOT NULL
);
CREATE INDEX task_occurrences_by_task ON task_occurrences (task_id, completed_at DESC, id DESC);
