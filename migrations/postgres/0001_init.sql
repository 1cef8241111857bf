-- Taskward schema, PostgreSQL flavour. Ids are UUIDv7; timestamps are timestamptz (UTC).

CREATE TABLE users (
    id            UUID        PRIMARY KEY,
    email         TEXT        NOT NULL,
    -- The email folded to lower case: uniqueness and look-ups are case-insensitive.
    email_lower   TEXT        NOT NULL UNIQUE,
    name          TEXT        NOT NULL,
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id           UUID        PRIMARY KEY,
    user_id      UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the current refresh token; the token itself is never stored.
    refresh_hash BYTEA       NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens that were already exchanged: presenting one again revokes its session
-- (RFC 9700 4.14.2, refresh token reuse detection).
CREATE TABLE used_refresh_tokens (
    hash       BYTEA       PRIMARY KEY,
    session_id UUID        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    used_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX used_refresh_tokens_session ON used_refresh_tokens (session_id);

CREATE TABLE tasks (
    id           UUID        PRIMARY KEY,
    user_id      UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT        NOT NULL,
    description  TEXT        NOT NULL DEFAULT '',
    -- Lower-cased copies (Unicode-aware, computed by Taskward) for case-insensitive
    -- search and title sorting that behave the same on both databases.
    title_lower  TEXT        NOT NULL,
    description_lower TEXT   NOT NULL DEFAULT '',
    completed    BOOLEAN     NOT NULL DEFAULT FALSE,
    completed_at TIMESTAMPTZ,
    -- Rank: 1 low, 2 medium, 3 high, so that sorting by priority is sorting by number.
    priority     SMALLINT    NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
    due_at       TIMESTAMPTZ,
    tags         TEXT[]      NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    -- Bumped on every change; the ETag is derived from it.
    version      BIGINT      NOT NULL DEFAULT 1
);
-- One index per sort order of the list (API.md), each ending in id for keyset paging.
-- Titles sort byte-wise (COLLATE "C") as in SQLite, whatever the server's locale.
CREATE INDEX tasks_user_created  ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated  ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_due      ON tasks (user_id, due_at, id);
-- Read backwards: descending due dates with the missing ones last.
CREATE INDEX tasks_user_due_desc ON tasks (user_id, due_at NULLS FIRST, id);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority, id);
CREATE INDEX tasks_user_title    ON tasks (user_id, title_lower COLLATE "C", id);
-- Counting and filtering by status and priority without touching the table.
CREATE INDEX tasks_user_status   ON tasks (user_id, completed, priority);

CREATE TABLE task_tags (
    user_id UUID NOT NULL,
    tag     TEXT NOT NULL,
    task_id UUID NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tag, task_id)
);
CREATE INDEX task_tags_task ON task_tags (task_id);
