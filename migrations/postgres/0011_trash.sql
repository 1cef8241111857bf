-- Undo (issue 21, step 3). A deleted task is moved, with what hangs off it, into these
-- trash tables for 10 minutes, so that its deleter can restore it exactly; every reader
-- of `tasks` (the API, the counts, the reminder worker) never sees it again. The reminder
-- workers of every node sweep rows older than that. `deleted_tasks` has the columns of
-- `tasks` (a test compares them) and who deleted it, when; `list_id` has no foreign key,
-- so that a task whose list was deleted meanwhile can be told apart from one that is
-- simply gone.
CREATE TABLE deleted_tasks (
    id                UUID        PRIMARY KEY,
    deleted_by        UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deleted_at        TIMESTAMPTZ NOT NULL,
    user_id           UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list_id           UUID        NOT NULL,
    title             TEXT        NOT NULL,
    description       TEXT        NOT NULL,
    title_lower       TEXT        NOT NULL,
    description_lower TEXT        NOT NULL,
    completed         BOOLEAN     NOT NULL,
    completed_at      TIMESTAMPTZ,
    priority          SMALLINT    NOT NULL,
    due_at            TIMESTAMPTZ,
    tags              TEXT[]      NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT      NOT NULL,
    due_date          DATE,
    due_key           TIMESTAMPTZ,
    recurrence        TEXT,
    reminders         TEXT
);
CREATE INDEX deleted_tasks_by_time ON deleted_tasks (deleted_at);

-- Its history (`position`: the row's id in task_occurrences, for the order).
CREATE TABLE deleted_task_occurrences (
    task_id      UUID        NOT NULL REFERENCES deleted_tasks (id) ON DELETE CASCADE,
    position     BIGINT      NOT NULL,
    due_at       TIMESTAMPTZ,
    due_date     DATE,
    completed_at TIMESTAMPTZ NOT NULL,
    completed_by UUID        NOT NULL,
    series_index INTEGER
);
CREATE INDEX deleted_task_occurrences_of_task ON deleted_task_occurrences (task_id);

-- Its reminders' fires still ahead (and not being sent).
CREATE TABLE deleted_reminder_fires (
    task_id  UUID        NOT NULL REFERENCES deleted_tasks (id) ON DELETE CASCADE,
    user_id  UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reminder TEXT        NOT NULL,
    fire_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX deleted_reminder_fires_of_task ON deleted_reminder_fires (task_id);

-- Its deliveries, whose `task_id` the delete set to NULL, linked again on restore.
CREATE TABLE deleted_task_deliveries (
    task_id     UUID NOT NULL REFERENCES deleted_tasks (id) ON DELETE CASCADE,
    delivery_id UUID NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE
);
CREATE INDEX deleted_task_deliveries_of_task ON deleted_task_deliveries (task_id);

-- Completion undo: the number in its series of the occurrence a row records, so that
-- undoing the completion puts the series back there (NULL for rows recorded before).
ALTER TABLE task_occurrences ADD COLUMN series_index INTEGER;
