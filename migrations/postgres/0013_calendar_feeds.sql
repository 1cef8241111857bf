-- Private calendar feeds (issue 18): `GET /feeds/<token>.ics` publishes the pending tasks
-- with a due of one list (`list_id`) or of every list the user sees (NULL). Only SHA-256
-- of the random token is kept (`token_hash`, looked up on each fetch); the token itself is
-- shown once. Deleting the user or the list deletes its feeds.
CREATE TABLE calendar_feeds (
    id         UUID        PRIMARY KEY,
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list_id    UUID        REFERENCES lists (id) ON DELETE CASCADE,
    token_hash BYTEA       NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX calendar_feeds_of_user ON calendar_feeds (user_id, created_at);
CREATE INDEX calendar_feeds_of_list ON calendar_feeds (list_id) WHERE list_id IS NOT NULL;
