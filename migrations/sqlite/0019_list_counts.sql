-- How many tasks each list holds, and how many of them are completed (issue 22), so that
-- the `X-Total-Count` of a list request without filters, or with `status` alone, is a
-- sum over the lists it covers instead of a count of every task: 1 000 000 tasks cost as
-- little as 100. The triggers that stamp a list's change count (0015) keep the counts in
-- the same statements, so every writer (the API, the web app, CalDAV, imports, the
-- trash) is counted without knowing it; they fire only for rows really written (AFTER
-- triggers: an insert that meets an existing id counts nothing).
ALTER TABLE lists ADD COLUMN task_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN done_count INTEGER NOT NULL DEFAULT 0;
UPDATE lists SET
    task_count = (SELECT COUNT(*) FROM tasks WHERE tasks.list_id = lists.id),
    done_count = (SELECT COUNT(*) FROM tasks WHERE tasks.list_id = lists.id AND tasks.completed = 1);

DROP TRIGGER tasks_dav_insert;
DROP TRIGGER tasks_dav_update;
DROP TRIGGER tasks_dav_delete;

CREATE TRIGGER tasks_dav_insert AFTER INSERT ON tasks
BEGIN
    UPDATE lists SET change_seq = change_seq + 1, task_count = task_count + 1,
                     done_count = done_count + new.completed
     WHERE id = new.list_id;
    UPDATE tasks SET dav_seq = (SELECT change_seq FROM lists WHERE id = new.list_id)
     WHERE id = new.id;
END;

-- The inner stamp changes `dav_seq`, which the WHEN clause leaves alone.
CREATE TRIGGER tasks_dav_update AFTER UPDATE ON tasks WHEN new.dav_seq = old.dav_seq
BEGIN
    UPDATE lists SET change_seq = change_seq + 1, task_count = task_count - 1,
                     done_count = done_count - old.completed
     WHERE id = old.list_id AND old.list_id <> new.list_id;
    INSERT INTO dav_tombstones (list_id, seq, task_id, dav_name, at)
    SELECT old.list_id, change_seq, old.id, old.dav_name,
           CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
      FROM lists WHERE id = old.list_id AND old.list_id <> new.list_id;
    UPDATE lists SET change_seq = change_seq + 1,
                     task_count = task_count + (old.list_id <> new.list_id),
                     done_count = done_count + new.completed
                                  - CASE WHEN old.list_id = new.list_id THEN old.completed ELSE 0 END
     WHERE id = new.list_id;
    UPDATE tasks SET dav_seq = (SELECT change_seq FROM lists WHERE id = new.list_id)
     WHERE id = new.id;
END;

CREATE TRIGGER tasks_dav_delete AFTER DELETE ON tasks
BEGIN
    UPDATE lists SET change_seq = change_seq + 1, task_count = task_count - 1,
                     done_count = done_count - old.completed
     WHERE id = old.list_id;
    INSERT INTO dav_tombstones (list_id, seq, task_id, dav_name, at)
    SELECT old.list_id, change_seq, old.id, old.dav_name,
           CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
      FROM lists WHERE id = old.list_id;
END;
