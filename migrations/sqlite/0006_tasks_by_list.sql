-- Lists, step 5: the task list is read list by list (docs/decisions.md, "Lists and
-- sharing"), so every sort index and the tag index are keyed by list instead of user.
DROP INDEX tasks_user_created;
DROP INDEX tasks_user_updated;
DROP INDEX tasks_user_due;
DROP INDEX tasks_user_due_nulls_last;
DROP INDEX tasks_user_priority;
DROP INDEX tasks_user_title;
DROP INDEX tasks_user_status;
DROP INDEX tasks_list;

-- One index per sort order of the list (API.md), each ending in id for keyset paging.
CREATE INDEX tasks_list_created  ON tasks (list_id, created_at, id);
CREATE INDEX tasks_list_updated  ON tasks (list_id, updated_at, id);
CREATE INDEX tasks_list_due      ON tasks (list_id, due_at, id);
-- Ascending due dates with the missing ones last (SQLite sorts NULL first).
CREATE INDEX tasks_list_due_nulls_last ON tasks (list_id, due_at IS NULL, due_at, id);
CREATE INDEX tasks_list_priority ON tasks (list_id, priority, id);
CREATE INDEX tasks_list_title    ON tasks (list_id, title_lower, id);
-- Counting and filtering by status and priority without touching the table.
CREATE INDEX tasks_list_status   ON tasks (list_id, completed, priority);
-- Deleting an account deletes the tasks it created.
CREATE INDEX tasks_user ON tasks (user_id);

-- Tags indexed per list; a task that moves takes its rows along.
CREATE TABLE task_tags_by_list (
    list_id BLOB NOT NULL,
    tag     TEXT NOT NULL,
    task_id BLOB NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, tag, task_id)
) STRICT, WITHOUT ROWID;
INSERT INTO task_tags_by_list (list_id, tag, task_id)
SELECT t.list_id, g.tag, g.task_id FROM task_tags g JOIN tasks t ON t.id = g.task_id;
DROP TABLE task_tags;
ALTER TABLE task_tags_by_list RENAME TO task_tags;
CREATE INDEX task_tags_task ON task_tags (task_id);
