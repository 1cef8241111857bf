-- How many tasks each list holds, and how many of them are completed (issue 22), so that
-- the `X-Total-Count` of a list request without filters, or with `status` alone, is a
-- sum over the lists it covers instead of a count of every task: 1 000 000 tasks cost as
-- little as 100. The trigger that stamps a list's change count (0015) keeps the counts
-- in the same UPDATE of the list's row, so every writer (the API, the web app, CalDAV,
-- imports, the trash) is counted without knowing it, at no extra write.
--
-- It is a BEFORE trigger, which also runs for an `INSERT ... ON CONFLICT DO NOTHING`
-- that then meets an existing id and writes nothing: the writers never rely on that for
-- a task (new tasks get new ids; the import skips ids it finds, under a lock that keeps
-- two imports apart).
ALTER TABLE lists ADD COLUMN task_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE lists ADD COLUMN done_count BIGINT NOT NULL DEFAULT 0;
UPDATE lists l SET task_count = c.n, done_count = c.done
  FROM (SELECT list_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE completed) AS done
          FROM tasks GROUP BY list_id) c
 WHERE c.list_id = l.id;

CREATE OR REPLACE FUNCTION tasks_dav_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_at BIGINT;
BEGIN
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.list_id <> NEW.list_id) THEN
        UPDATE lists SET change_seq = change_seq + 1, task_count = task_count - 1,
                         done_count = done_count - OLD.completed::int
         WHERE id = OLD.list_id
        RETURNING change_seq INTO left_at;
        IF FOUND THEN
            INSERT INTO dav_tombstones (list_id, seq, task_id, dav_name, at)
            VALUES (OLD.list_id, left_at, OLD.id, OLD.dav_name, now());
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.list_id = NEW.list_id THEN
        UPDATE lists SET change_seq = change_seq + 1,
                         done_count = done_count + NEW.completed::int - OLD.completed::int
         WHERE id = NEW.list_id
        RETURNING change_seq INTO NEW.dav_seq;
    ELSE
        UPDATE lists SET change_seq = change_seq + 1, task_count = task_count + 1,
                         done_count = done_count + NEW.completed::int
         WHERE id = NEW.list_id
        RETURNING change_seq INTO NEW.dav_seq;
    END IF;
    RETURN NEW;
END
$$;
