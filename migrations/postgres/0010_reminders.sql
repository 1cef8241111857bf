-- Reminders (issue 17). A task's reminders are JSON on the task ({"to": the user they
-- remind, "items": [{"before": "PT30M"} | {"at": RFC 3339}]}). Each reminder of the
-- current occurrence that is still ahead is a row of `reminder_fires`, rewritten with the
-- task; the reminder workers of every node claim the due ones (`FOR UPDATE SKIP LOCKED`,
-- with `claim`, `claimed_until` as a lease, so a node that dies gives them back) and fan
-- each out into `deliveries`, one per enabled channel of the user, in one transaction. A
-- delivery's id is the `webhook-id` of every attempt; `next_attempt_at` is NULL once it
-- is final (delivered, failed, missed).
ALTER TABLE tasks ADD COLUMN reminders TEXT;

CREATE TABLE reminder_fires (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id       UUID        NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id       UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reminder      TEXT        NOT NULL,
    fire_at       TIMESTAMPTZ NOT NULL,
    claim         UUID,
    claimed_until TIMESTAMPTZ
);
CREATE INDEX reminder_fires_due ON reminder_fires (fire_at);
CREATE INDEX reminder_fires_of_task ON reminder_fires (task_id, fire_at);

CREATE TABLE notification_channels (
    id         UUID        PRIMARY KEY,
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT        NOT NULL CHECK (kind IN ('email', 'webhook', 'ntfy')),
    target     TEXT        NOT NULL,
    secret     TEXT,
    token      TEXT,
    enabled    BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notification_channels_of_user ON notification_channels (user_id, created_at);

CREATE TABLE deliveries (
    id              UUID        PRIMARY KEY,
    user_id         UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_id      UUID        NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    task_id         UUID        REFERENCES tasks (id) ON DELETE SET NULL,
    status          TEXT        NOT NULL
        CHECK (status IN ('pending', 'delivered', 'retrying', 'failed', 'missed')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    last_error      TEXT,
    scheduled_at    TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    claimed_until   TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ,
    payload         TEXT        NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_of_user ON deliveries (user_id, id);
CREATE INDEX deliveries_of_channel ON deliveries (channel_id);
CREATE INDEX deliveries_of_task ON deliveries (task_id) WHERE task_id IS NOT NULL;
