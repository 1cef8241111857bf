-- Two-factor sign-in with TOTP (issue 20; API-2.md section 6). `totp` holds a user's
-- secret: pending (enabled_at null) until a first code confirms it, then on, with the
-- last time step a code was accepted for (each code is used once). `recovery_codes` holds
-- the SHA-256 of each single-use recovery code and when it was used. `mfa_challenges`
-- holds the SHA-256 of the token of a sign-in waiting for its second step, with its
-- expiry and the codes tried against it. Deleting the user deletes all of it.
CREATE TABLE totp (
    user_id    UUID        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BYTEA       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    enabled_at TIMESTAMPTZ,
    last_step  BIGINT      NOT NULL DEFAULT -1
);
CREATE TABLE recovery_codes (
    user_id   UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA       NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE mfa_challenges (
    token_hash BYTEA       PRIMARY KEY,
    user_id    UUID        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    attempts   INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX mfa_challenges_of_user ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);
