-- Reminders (issue 17). A task's reminders are JSON on the task ({"to": the user they
-- remind, "items": [{"before": "PT30M"} | {"at": RFC 3339}]}). Each reminder of the
-- current occurrence that is still ahead is a row of `reminder_fires`, rewritten with the
-- task; the reminder worker claims the due ones (`claim`, `claimed_until`: a lease, so a
-- node that dies gives them back) and fans each out into `deliveries`, one per enabled
-- channel of the user, in one transaction. A delivery's id is the `webhook-id` of every
-- attempt; `next_attempt_at` is NULL once it is final (delivered, failed, missed).
ALTER TABLE tasks ADD COLUMN reminders TEXT;

CREATE TABLE reminder_fires (
    id            INTEGER PRIMARY KEY,
    task_id       BLOB    NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id       BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reminder      TEXT    NOT NULL,
    fire_at       INTEGER NOT NULL,
    claim         BLOB,
    claimed_until INTEGER
) STRICT;
CREATE INDEX reminder_fires_due ON reminder_fires (fire_at);
CREATE INDEX reminder_fires_of_task ON reminder_fires (task_id, fire_at);

CREATE TABLE notification_channels (
    id         BLOB    PRIMARY KEY NOT NULL,
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('email', 'webhook', 'ntfy')),
    target     TEXT    NOT NULL,
    secret     TEXT,
    token      TEXT,
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notification_channels_of_user ON notification_channels (user_id, created_at);

CREATE TABLE deliveries (
    id              BLOB    PRIMARY KEY NOT NULL,
    user_id         BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_id      BLOB    NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    task_id         BLOB    REFERENCES tasks (id) ON DELETE SET NULL,
    status          TEXT    NOT NULL
        CHECK (status IN ('pending', 'delivered', 'retrying', 'failed', 'missed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    scheduled_at    INTEGER NOT NULL,
    next_attempt_at INTEGER,
    claimed_until   INTEGER,
    delivered_at    INTEGER,
    payload         TEXT    NOT NULL
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_of_user ON deliveries (user_id, id);
CREATE INDEX deliveries_of_channel ON deliveries (channel_id);
CREATE INDEX deliveries_of_task ON deliveries (task_id) WHERE task_id IS NOT NULL;
