-- Taskward schema, SQLite flavour. Ids are UUIDv7 as 16-byte blobs; timestamps are
-- microseconds since the Unix epoch (UTC) as integers, so they compare and index exactly.

CREATE TABLE users (
    id            BLOB    PRIMARY KEY NOT NULL,
    email         TEXT    NOT NULL,
    -- The email folded to lower case: uniqueness and look-ups are case-insensitive.
    email_lower   TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id           BLOB    PRIMARY KEY NOT NULL,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the current refresh token; the token itself is never stored.
    refresh_hash BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    user_agent   TEXT
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Refresh tokens that were already exchanged: presenting one again revokes its session
-- (RFC 9700 4.14.2, refresh token reuse detection).
CREATE TABLE used_refresh_tokens (
    hash       BLOB    PRIMARY KEY NOT NULL,
    session_id BLOB    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    used_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX used_refresh_tokens_session ON used_refresh_tokens (session_id);

CREATE TABLE tasks (
    id           BLOB    PRIMARY KEY NOT NULL,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    -- Lower-cased copies (Unicode-aware, computed by Taskward) for case-insensitive
    -- search and title sorting that behave the same on both databases.
    title_lower  TEXT    NOT NULL,
    description_lower TEXT NOT NULL DEFAULT '',
    completed    INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    completed_at INTEGER,
    -- Rank: 1 low, 2 medium, 3 high, so that sorting by priority is sorting by number.
    priority     INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 3),
    due_at       INTEGER,
    -- Normalised tags as a JSON array of strings; task_tags indexes them for filters.
    tags         TEXT    NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Bumped on every change; the ETag is derived from it.
    version      INTEGER NOT NULL DEFAULT 1
) STRICT;
-- One index per sort order of the list (API.md), each ending in id for keyset paging.
CREATE INDEX tasks_user_created  ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated  ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_due      ON tasks (user_id, due_at, id);
-- Ascending due dates with the missing ones last (SQLite sorts NULL first).
CREATE INDEX tasks_user_due_nulls_last ON tasks (user_id, due_at IS NULL, due_at, id);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority, id);
CREATE INDEX tasks_user_title    ON tasks (user_id, title_lower, id);
-- Counting and filtering by status and priority without touching the table.
CREATE INDEX tasks_user_status   ON tasks (user_id, completed, priority);

CREATE TABLE task_tags (
    user_id BLOB NOT NULL,
    tag     TEXT NOT NULL,
    task_id BLOB NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tag, task_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX task_tags_task ON task_tags (task_id);
