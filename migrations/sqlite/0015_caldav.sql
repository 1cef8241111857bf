-- CalDAV (issue 18). What a client gave a task that its fields do not hold: the resource
-- name it chose (`dav_name`, NULL for `<id>.ics`, unique in a list) and the rest as JSON
-- (`dav`: its UID, the content lines Taskward does not map, overrides, its PRIORITY and
-- STATUS spelling; NULL for a task never written over CalDAV).
--
-- Sync tokens (RFC 6578): every list counts its changes (`lists.change_seq`); every write
-- of a task stamps it with its list's next count (`tasks.dav_seq`), and a task that leaves
-- a list (deleted, or moved to another) leaves a tombstone there with the next count. A
-- `sync-collection` from count N is the tasks and tombstones above N. Triggers do the
-- counting, so that every writer (the API, the web app, CalDAV, imports, the trash's
-- restore) is counted without knowing it. Tombstones older than 30 days are swept; a
-- token older than the newest swept (`lists.dav_floor`) must start again.
ALTER TABLE tasks ADD COLUMN dav_name TEXT;
ALTER TABLE tasks ADD COLUMN dav TEXT;
-- Existing tasks and lists start at count 1 (no rewrite of the table), so that a first
-- sync (from 0) finds every task.
ALTER TABLE tasks ADD COLUMN dav_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE deleted_tasks ADD COLUMN dav_name TEXT;
ALTER TABLE deleted_tasks ADD COLUMN dav TEXT;
ALTER TABLE deleted_tasks ADD COLUMN dav_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN dav_floor INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX tasks_dav_name ON tasks (list_id, dav_name) WHERE dav_name IS NOT NULL;
CREATE INDEX tasks_dav_seq ON tasks (list_id, dav_seq);

CREATE TABLE dav_tombstones (
    list_id  BLOB    NOT NULL,
    seq      INTEGER NOT NULL,
    task_id  BLOB    NOT NULL,
    dav_name TEXT,
    -- Microseconds since the epoch, for the sweep.
    at       INTEGER NOT NULL,
    PRIMARY KEY (list_id, seq)
) STRICT;
CREATE INDEX dav_tombstones_by_time ON dav_tombstones (at);

CREATE TRIGGER tasks_dav_insert AFTER INSERT ON tasks
BEGIN
    UPDATE lists SET change_seq = change_seq + 1 WHERE id = new.list_id;
    UPDATE tasks SET dav_seq = (SELECT change_seq FROM lists WHERE id = new.list_id)
     WHERE id = new.id;
END;

-- The inner stamp changes `dav_seq`, which the WHEN clause leaves alone.
CREATE TRIGGER tasks_dav_update AFTER UPDATE ON tasks WHEN new.dav_seq = old.dav_seq
BEGIN
    UPDATE lists SET change_seq = change_seq + 1
     WHERE id = old.list_id AND old.list_id <> new.list_id;
    INSERT INTO dav_tombstones (list_id, seq, task_id, dav_name, at)
    SELECT old.list_id, change_seq, old.id, old.dav_name,
           CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
      FROM lists WHERE id = old.list_id AND old.list_id <> new.list_id;
    UPDATE lists SET change_seq = change_seq + 1 WHERE id = new.list_id;
    UPDATE tasks SET dav_seq = (SELECT change_seq FROM lists WHERE id = new.list_id)
     WHERE id = new.id;
END;

CREATE TRIGGER tasks_dav_delete AFTER DELETE ON tasks
BEGIN
    UPDATE lists SET change_seq = change_seq + 1 WHERE id = old.list_id;
    INSERT INTO dav_tombstones (list_id, seq, task_id, dav_name, at)
    SELECT old.list_id, change_seq, old.id, old.dav_name,
           CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
      FROM lists WHERE id = old.list_id;
END;

CREATE TRIGGER lists_dav_delete AFTER DELETE ON lists
BEGIN
    DELETE FROM dav_tombstones WHERE list_id = old.id;
END;
