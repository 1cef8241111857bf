-- Two-factor sign-in with TOTP (issue 20; API-2.md section 6). `totp` holds a user's
-- secret: pending (enabled_at null) until a first code confirms it, then on, with the
-- last time step a code was accepted for (each code is used once). `recovery_codes` holds
-- the SHA-256 of each single-use recovery code and when it was used. `mfa_challenges`
-- holds the SHA-256 of the token of a sign-in waiting for its second step, with its
-- expiry and the codes tried against it. Deleting the user deletes all of it.
CREATE TABLE totp (
    user_id    BLOB    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT -1
) STRICT;
CREATE TABLE recovery_codes (
    user_id   BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB    NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT;
CREATE TABLE mfa_challenges (
    token_hash BLOB    PRIMARY KEY NOT NULL,
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX mfa_challenges_of_user ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);
