-- Sign-in and sign-up limits kept in the database (RATE_LIMIT_STORE=database): one row
-- per counted key (a hash of the client's address or of the normalised email, never the
-- text), a fixed window from its first hit. Expired rows are swept by `expires`.
CREATE TABLE rate_limits (
    key     BLOB    PRIMARY KEY NOT NULL,
    expires INTEGER NOT NULL,
    hits    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limits_expires ON rate_limits (expires);
