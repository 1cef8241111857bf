-- Lists, step 5: the task list is read list by list (docs/decisions.md, "Lists and
-- sharing"), so every sort index and the tag index are keyed by list instead of user.
DROP INDEX tasks_user_created, tasks_user_updated, tasks_user_due, tasks_user_due_desc,
    tasks_user_priority, tasks_user_title, tasks_user_status, tasks_list;

-- One index per sort order of the list (API.md), each ending in id for keyset paging.
-- Titles sort byte-wise (COLLATE "C") as in SQLite, whatever the server's locale.
CREATE INDEX tasks_list_created  ON tasks (list_id, created_at, id);
CREATE INDEX tasks_list_updated  ON tasks (list_id, updated_at, id);
CREATE INDEX tasks_list_due      ON tasks (list_id, due_at, id);
-- Read backwards: descending due dates with the missing ones last.
CREATE INDEX tasks_list_due_desc ON tasks (list_id, due_at NULLS FIRST, id);
CREATE INDEX tasks_list_priority ON tasks (list_id, priority, id);
CREATE INDEX tasks_list_title    ON tasks (list_id, title_lower COLLATE "C", id);
-- Counting and filtering by status and priority without touching the table.
CREATE INDEX tasks_list_status   ON tasks (list_id, completed, priority);
-- Deleting an account deletes the tasks it created.
CREATE INDEX tasks_user ON tasks (user_id);

-- Tags indexed per list; a task that moves takes its rows along.
ALTER TABLE task_tags DROP CONSTRAINT task_tags_pkey;
ALTER TABLE task_tags RENAME COLUMN user_id TO list_id;
UPDATE task_tags g SET list_id = t.list_id FROM tasks t WHERE t.id = g.task_id;
ALTER TABLE task_tags ADD PRIMARY KEY (list_id, tag, task_id);
