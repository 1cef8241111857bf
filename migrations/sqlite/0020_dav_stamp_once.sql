-- A new task is written once (issue 22). The insert trigger of 0019 stamped every new
-- task with its list's change count by updating the row it had just inserted: a second
-- write of the row and of its `tasks_dav_seq` entry on every create. Task inserts now
-- give the row its stamp themselves (the list's count plus one, the value the trigger
-- makes it), and the trigger stamps only a row that arrived without it (a task put back
-- from the trash keeps its old stamp until this trigger renews it).
DROP TRIGGER tasks_dav_insert;

CREATE TRIGGER tasks_dav_insert AFTER INSERT ON tasks
BEGIN
    UPDATE lists SET change_seq = change_seq + 1, task_count = task_count + 1,
                     done_count = done_count + new.completed
     WHERE id = new.list_id;
    UPDATE tasks SET dav_seq = (SELECT change_seq FROM lists WHERE id = new.list_id)
     WHERE new.dav_seq IS NOT (SELECT change_seq FROM lists WHERE id = new.list_id)
       AND id = new.id;
END;
