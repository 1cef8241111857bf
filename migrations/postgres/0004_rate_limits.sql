-- Sign-in and sign-up limits shared by every node of a deployment: one row per counted
-- key (a hash of the client's address or of the normalised email, never the text), a
-- fixed window from its first hit. Expired rows are swept by `expires`.
CREATE TABLE rate_limits (
    key     BYTEA       PRIMARY KEY,
    expires TIMESTAMPTZ NOT NULL,
    hits    INTEGER     NOT NULL
);
CREATE INDEX rate_limits_expires ON rate_limits (expires);
