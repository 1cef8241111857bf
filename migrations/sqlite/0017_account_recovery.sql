-- Account recovery (issue 20, part 1; API-2.md section 6). Every account gains whether its
-- email address was proved (existing accounts: not yet), every session the client address
-- it started from (for the sessions list), and `account_tokens` holds the links mailed for
-- a password reset, an email verification or an email change: only the SHA-256 of the
-- random token, the address it was sent to, and when it stops working. A token is used by
-- deleting its row (single use); making one replaces the user's earlier one of the same
-- purpose.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN ip TEXT;
CREATE TABLE account_tokens (
    token_hash BLOB    PRIMARY KEY NOT NULL,
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('password_reset', 'verify_email', 'change_email')),
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX account_tokens_of_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expiry ON account_tokens (expires_at);
