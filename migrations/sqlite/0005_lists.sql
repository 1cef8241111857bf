-- Lists (issue 15, step 1: the schema). Every user has one inbox, whose id is the user's
-- own id; every task belongs to a list. Existing users get their inbox here and every
-- task moves into its creator's inbox, keeping its id, version and timestamps.
CREATE TABLE lists (
    id         BLOB    PRIMARY KEY NOT NULL,
    owner_id   BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    -- `#rrggbb` or NULL.
    color      TEXT,
    position   INTEGER NOT NULL DEFAULT 0,
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    is_inbox   INTEGER NOT NULL DEFAULT 0 CHECK (is_inbox IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX lists_owner ON lists (owner_id, position);
-- One inbox per user, held by the database.
CREATE UNIQUE INDEX lists_one_inbox ON lists (owner_id) WHERE is_inbox = 1;

-- Shares by email; pending while user_id is NULL. The owner is not a member row.
CREATE TABLE list_members (
    list_id     BLOB    NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    email_lower TEXT    NOT NULL,
    user_id     BLOB    REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (list_id, email_lower)
) STRICT, WITHOUT ROWID;
CREATE INDEX list_members_user ON list_members (user_id, list_id);
CREATE INDEX list_members_email ON list_members (email_lower);

INSERT INTO lists (id, owner_id, name, is_inbox, created_at, updated_at)
SELECT id, id, 'Inbox', 1, created_at, created_at FROM users;

-- SQLite adds a column with a foreign key only as nullable; the triggers below make it
-- required, as PostgreSQL's NOT NULL does.
ALTER TABLE tasks ADD COLUMN list_id BLOB REFERENCES lists (id) ON DELETE CASCADE;
UPDATE tasks SET list_id = user_id;
CREATE TRIGGER tasks_list_required_insert BEFORE INSERT ON tasks
WHEN NEW.list_id IS NULL BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: tasks.list_id'); END;
CREATE TRIGGER tasks_list_required_update BEFORE UPDATE OF list_id ON tasks
WHEN NEW.list_id IS NULL BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: tasks.list_id'); END;
CREATE INDEX tasks_list ON tasks (list_id);
