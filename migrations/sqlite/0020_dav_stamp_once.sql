-- A task write is one write of its row (issue 22). The triggers of 0019 stamped every
-- inserted or updated task with its list's change count by updating the row again: a
-- second write of the row and of its `tasks_dav_seq` entry on every create, toggle and
-- edit. The store's inserts and updates now give the row its stamp themselves (the list's
-- count plus one, the value the trigger makes it), and the triggers stamp only a row that
-- comes without it (a task put back from the trash brings its old stamp).
DROP TRIGGER tasks_dav_insert;
DROP TRIGGER tasks_dav_update;

CREATE TRIGGER tasks_dav_insert AFTER INSERT ON tasks
BEGIN
    UPDATE lists SET change_seq = change_seq + 1, task_count = task_count + 1,
                     done_count = done_count + new.completed
     WHERE id = new.list_id;
    UPDATE tasks SET dav_seq = (SELECT change_seq FROM lists WHERE id = new.list_id)
     WHERE new.dav_seq IS NOT (SELECT change_seq FROM lists WHERE id = new.list_id)
       AND id = new.id;
END;

-- A write of the row: one that leaves the stamp alone, or one that brings the stamp this
-- write will make (the new list's count plus one). The trigger's own stamp sets the count
-- itself, which neither is.
CREATE TRIGGER tasks_dav_update AFTER UPDATE ON tasks
WHEN new.dav_seq = old.dav_seq
  OR new.dav_seq = (SELECT change_seq + 1 FROM lists WHERE id = new.list_id)
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
     WHERE new.dav_seq IS NOT (SELECT change_seq FROM lists WHERE id = new.list_id)
       AND id = new.id;
END;
