-- Access tokens signed with the shared secret by another component carry no session
-- (`sid`), so ending sessions cannot end them. Signing out everywhere, changing the
-- password and deleting the account record the time here instead; such tokens issued at
-- or before it are refused. No foreign key: the cut-off outlives a deleted account, so a
-- token of it stays refused even if the same id is imported again.
CREATE TABLE token_cutoffs (
    user_id    UUID        PRIMARY KEY,
    not_before TIMESTAMPTZ NOT NULL
);
