-- OAuth 2.1 for MCP clients (API-2.md section 5, issue 19; docs/decisions.md "Access
-- tokens and AI assistants"). A client registers itself (RFC 7591: public clients only;
-- its name is display text, its redirect URIs one per line, matched exactly). A user's
-- consent gives a single-use authorization code (kept as SHA-256, 60 seconds, bound to
-- the client, redirect URI and PKCE S256 challenge); exchanging it starts a grant (the
-- "connected application" the user sees and revokes) with an access token (1 hour) and a
-- refresh token (30 days, rotated on each use: `used_at` marks a spent one, and presenting
-- it again revokes the grant). Every token is kept as SHA-256 only. Deleting a user, a
-- client or a grant deletes what hangs off it.
CREATE TABLE oauth_clients (
    id            BLOB    PRIMARY KEY NOT NULL,
    name          TEXT    NOT NULL,
    redirect_uris TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE oauth_grants (
    id           BLOB    PRIMARY KEY NOT NULL,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id    BLOB    NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    scopes       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;
CREATE INDEX oauth_grants_of_user ON oauth_grants (user_id, created_at);
CREATE INDEX oauth_grants_of_client ON oauth_grants (client_id);

CREATE TABLE oauth_codes (
    code_hash      BLOB    PRIMARY KEY NOT NULL,
    client_id      BLOB    NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    user_id        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes         TEXT    NOT NULL,
    redirect_uri   TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    grant_id       BLOB    REFERENCES oauth_grants (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

CREATE TABLE oauth_tokens (
    token_hash BLOB    PRIMARY KEY NOT NULL,
    grant_id   BLOB    NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX oauth_tokens_of_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens (expires_at);
