-- CalDAV (issue 18). What a client gave a task that its fields do not hold: the resource
-- name it chose (`dav_name`, NULL for `<id>.ics`, unique in a list) and the rest as JSON
-- (`dav`: its UID, the content lines Taskward does not map, overrides, its PRIORITY and
-- STATUS spelling; NULL for a task never written over CalDAV).
--
-- Sync tokens (RFC 6578): every list counts its changes (`lists.change_seq`); every write
-- of a task stamps it with its list's next count (`tasks.dav_seq`), and a task that leaves
-- a list (deleted, or moved to another) leaves a tombstone there with the next count. A
-- `sync-collection` from count N is the tasks and tombstones above N. A trigger does the
-- counting, so that every writer (the API, the web app, CalDAV, imports, the trash's
-- restore) is counted without knowing it; the list's row lock orders the writers of one
-- list. Tombstones older than 30 days are swept; a token older than the newest swept
-- (`lists.dav_floor`) must start again. Existing tasks and lists start at count 1 (no
-- rewrite of the table), so that a first sync (from 0) finds every task.
ALTER TABLE tasks ADD COLUMN dav_name TEXT;
ALTER TABLE tasks ADD COLUMN dav TEXT;
ALTER TABLE tasks ADD COLUMN dav_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE deleted_tasks ADD COLUMN dav_name TEXT;
ALTER TABLE deleted_tasks ADD COLUMN dav TEXT;
ALTER TABLE deleted_tasks ADD COLUMN dav_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN dav_floor BIGINT NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX tasks_dav_name ON tasks (list_id, dav_name) WHERE dav_name IS NOT NULL;
CREATE INDEX tasks_dav_seq ON tasks (list_id, dav_seq);

CREATE TABLE dav_tombstones (
    list_id  UUID        NOT NULL,
    seq      BIGINT      NOT NULL,
    task_id  UUID        NOT NULL,
    dav_name TEXT,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (list_id, seq)
);
CREATE INDEX dav_tombstones_by_time ON dav_tombstones (at);

CREATE FUNCTION tasks_dav_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_at BIGINT;
BEGIN
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.list_id <> NEW.list_id) THEN
        UPDATE lists SET change_seq = change_seq + 1 WHERE id = OLD.list_id
        RETURNING change_seq INTO left_at;
        IF FOUND THEN
            INSERT INTO dav_tombstones (list_id, seq, task_id, dav_name, at)
            VALUES (OLD.list_id, left_at, OLD.id, OLD.dav_name, now());
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    UPDATE lists SET change_seq = change_seq + 1 WHERE id = NEW.list_id
    RETURNING change_seq INTO NEW.dav_seq;
    RETURN NEW;
END
$$;
CREATE TRIGGER tasks_dav_stamp BEFORE INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_dav_stamp();

CREATE FUNCTION lists_dav_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM dav_tombstones WHERE list_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER lists_dav_forget AFTER DELETE ON lists
    FOR EACH ROW EXECUTE FUNCTION lists_dav_forget();
