-- Undo (issue 21, step 3). A deleted task is moved, with what hangs off it, into these
-- trash tables for 10 minutes, so that its deleter can restore it exactly; every reader
-- of `tasks` (the API, the counts, the reminder worker) never sees it again. The reminder
-- workers sweep rows older than that. `deleted_tasks` has the columns of `tasks` (a test
-- compares them) and who deleted it, when; `list_id` has no foreign key, so that a task
-- whose list was deleted meanwhile can be told apart from one that is simply gone.
CREATE TABLE deleted_tasks (
    id                BLOB    PRIMARY KEY NOT NULL,
    deleted_by        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deleted_at        INTEGER NOT NULL,
    user_id           BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list_id           BLOB    NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    title_lower       TEXT    NOT NULL,
    description_lower TEXT    NOT NULL,
    completed         INTEGER NOT NULL,
    completed_at      INTEGER,
    priority          INTEGER NOT NULL,
    due_at            INTEGER,
    tags              TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    due_date          INTEGER,
    due_key           INTEGER,
    recurrence        TEXT,
    reminders         TEXT
) STRICT;
CREATE INDEX deleted_tasks_by_time ON deleted_tasks (deleted_at);

-- Its history (`position`: the row's id in task_occurrences, for the order).
CREATE TABLE deleted_task_occurrences (
    task_id      BLOB    NOT NULL REFERENCES deleted_tasks (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    due_at       INTEGER,
    due_date     INTEGER,
    completed_at INTEGER NOT NULL,
    completed_by BLOB    NOT NULL,
    series_index INTEGER
) STRICT;
CREATE INDEX deleted_task_occurrences_of_task ON deleted_task_occurrences (task_id);

-- Its reminders' fires still ahead (and not being sent).
CREATE TABLE deleted_reminder_fires (
    task_id  BLOB    NOT NULL REFERENCES deleted_tasks (id) ON DELETE CASCADE,
    user_id  BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reminder TEXT    NOT NULL,
    fire_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX deleted_reminder_fires_of_task ON deleted_reminder_fires (task_id);

-- Its deliveries, whose `task_id` the delete set to NULL, linked again on restore.
CREATE TABLE deleted_task_deliveries (
    task_id     BLOB NOT NULL REFERENCES deleted_tasks (id) ON DELETE CASCADE,
    delivery_id BLOB NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX deleted_task_deliveries_of_task ON deleted_task_deliveries (task_id);

-- Completion undo: the number in its series of the occurrence a row records, so that
-- undoing the completion puts the series back there (NULL for rows recorded before).
ALTER TABLE task_occurrences ADD COLUMN series_index INTEGER;
