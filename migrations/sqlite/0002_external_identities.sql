-- Users of an external token issuer (e.g. a Better Auth frontend), linked to Taskward users.
-- The issuer's subject is any string (Better Auth ids are 32 alphanumerics, not UUIDs).
CREATE TABLE external_identities (
    issuer     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
) STRICT, WITHOUT ROWID;
CREATE INDEX external_identities_user ON external_identities (user_id);
