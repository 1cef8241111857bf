//! The links mailed for account recovery (API-2.md section 6): a password reset, an email
//! verification, an email change. Found by the SHA-256 of their random token (the token
//! itself is never stored); used once, by deleting the row.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;

/// What a mailed link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Choose a new password (the account's address).
    PasswordReset,
    /// Prove the account's address.
    VerifyEmail,
    /// Prove a new address, which then becomes the account's.
    ChangeEmail,
}

impl TokenPurpose {
    /// As stored in the `purpose` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::VerifyEmail => "verify_email",
            Self::ChangeEmail => "change_email",
        }
    }

    /// Reads the `purpose` column; `None` for a value this version does not know.
    pub fn from_stored(raw: &str) -> Option<Self> {
        [Self::PasswordReset, Self::VerifyEmail, Self::ChangeEmail]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
}

/// A mailed link's token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
    /// The account it acts on.
    pub user_id: Uuid,
    /// What it does.
    pub purpose: TokenPurpose,
    /// The address it was mailed to, as typed (the new one for an email change).
    pub email: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// The `account_tokens` table.
#[async_trait]
pub trait AccountTokenStore: Send + Sync + 'static {
    /// Keeps `token`, in place of any earlier token of its user and purpose (only the
    /// newest link works), and deletes every token expired when it was made.
    async fn account_token_insert(&self, token: &AccountToken) -> StoreResult<()>;

    /// The token of `purpose` whose hash is `token_hash` while it is live at `now`: read,
    /// or (`take`) used, deleted in the same statement. Of two concurrent takes of one
    /// token, at most one gets it.
    async fn account_token_live(
        &self,
        token_hash: [u8; 32],
        purpose: TokenPurpose,
        now: OffsetDateTime,
        take: bool,
    ) -> StoreResult<Option<AccountToken>>;

    /// The token of `purpose` whose hash is `token_hash`, while it is live at `now`.
    async fn account_token_find(
        &self,
        token_hash: [u8; 32],
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<AccountToken>> {
        self.account_token_live(token_hash, purpose, now, false)
            .await
    }

    /// Uses the token: deletes it and hands it back when it is of `purpose` and live at
    /// `now`.
    async fn account_token_take(
        &self,
        token_hash: [u8; 32],
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<AccountToken>> {
        self.account_token_live(token_hash, purpose, now, true)
            .await
    }
}

/// The columns an [`AccountToken`] is read from, in order.
pub(super) const ACCOUNT_TOKEN_COLUMNS: &str =
    "token_hash, user_id, purpose, email, created_at, expires_at";

/// The statements of an insert, with placeholders `{p}1`, `{p}2`, ... (`?` for SQLite,
/// `$` for PostgreSQL): the tokens expired when it is made go (binds created), then the
/// user's earlier token of its purpose (binds user, purpose), then the row is written
/// (binds hash, user, purpose, email, created, expires).
pub(super) fn insert_sql(p: char) -> [String; 3] {
    [
        format!("DELETE FROM account_tokens WHERE expires_at <= {p}1"),
        format!("DELETE FROM account_tokens WHERE user_id = {p}1 AND purpose = {p}2"),
        format!(
            "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
             VALUES ({p}1, {p}2, {p}3, {p}4, {p}5, {p}6)"
        ),
    ]
}

/// The live token with a hash and purpose: read it, or (`take`) use it; binds hash,
/// purpose, now as `{p}1` to `{p}3`.
pub(super) fn live_sql(take: bool, p: char) -> String {
    let filter = format!(
        "FROM account_tokens WHERE token_hash = {p}1 AND purpose = {p}2 AND expires_at > {p}3"
    );
    if take {
        format!("DELETE {filter} RETURNING {ACCOUNT_TOKEN_COLUMNS}")
    } else {
        format!("SELECT {ACCOUNT_TOKEN_COLUMNS} {filter}")
    }
}
