-- Lists (issue 15, step 1: the schema). Every user has one inbox, whose id is the user's
-- own id; every task belongs to a list. Existing users get their inbox here and every
-- task moves into its creator's inbox, keeping its id, version and timestamps.
CREATE TABLE lists (
    id         UUID        PRIMARY KEY,
    owner_id   UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT        NOT NULL,
    -- `#rrggbb` or NULL.
    color      TEXT,
    position   INTEGER     NOT NULL DEFAULT 0,
    archived   BOOLEAN     NOT NULL DEFAULT FALSE,
    is_inbox   BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    BIGINT      NOT NULL DEFAULT 1
);
CREATE INDEX lists_owner ON lists (owner_id, position);
-- One inbox per user, held by the database.
CREATE UNIQUE INDEX lists_one_inbox ON lists (owner_id) WHERE is_inbox;

-- Shares by email; pending while user_id is NULL. The owner is not a member row.
CREATE TABLE list_members (
    list_id     UUID        NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    email_lower TEXT        NOT NULL,
    user_id     UUID        REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT        NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (list_id, email_lower)
);
CREATE INDEX list_members_user ON list_members (user_id, list_id);
CREATE INDEX list_members_email ON list_members (email_lower);

INSERT INTO lists (id, owner_id, name, is_inbox, created_at, updated_at)
SELECT id, id, 'Inbox', TRUE, created_at, created_at FROM users;

ALTER TABLE tasks ADD COLUMN list_id UUID REFERENCES lists (id) ON DELETE CASCADE;
UPDATE tasks SET list_id = user_id;
ALTER TABLE tasks ALTER COLUMN list_id SET NOT NULL;
CREATE INDEX tasks_list ON tasks (list_id);
