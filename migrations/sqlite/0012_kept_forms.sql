-- Forms the web app refused (or received after the session ended), kept for one read by
-- the page they came from (post/redirect/get). `id` is SHA-256 of the random id in the
-- browser's `taskward_kept` cookie; `owner` SHA-256 of its CSRF cookie; `user_id` the
-- signed-in user who sent it (NULL when the session had ended). Never passwords or CSRF
-- tokens. Read once (deleted on read), expired rows swept by `expires` on each write.
CREATE TABLE kept_forms (
    id      BLOB    PRIMARY KEY NOT NULL,
    owner   BLOB    NOT NULL,
    user_id BLOB    REFERENCES users (id) ON DELETE CASCADE,
    page    TEXT    NOT NULL,
    data    TEXT    NOT NULL,
    expires INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX kept_forms_expires ON kept_forms (expires);
CREATE INDEX kept_forms_user ON kept_forms (user_id);
