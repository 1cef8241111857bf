-- Personal access tokens (API-2.md section 5; issue 18 uses them as the CalDAV password,
-- issue 19 as API and MCP bearers). Only SHA-256 of the random token is kept
-- (`token_hash`, looked up on each use); the token itself is shown once. `scopes` is
-- space-separated (`tasks:read tasks:write`). `expires_at` NULL: never expires;
-- `last_used_at` is written at most once a minute per token. Deleting the user deletes
-- their tokens.
CREATE TABLE access_tokens (
    id           BLOB    PRIMARY KEY NOT NULL,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER
) STRICT;
CREATE INDEX access_tokens_of_user ON access_tokens (user_id, created_at);
