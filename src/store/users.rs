//! Accounts as stored.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// UUID (v7 for users created here, any version for imported ones).
    pub id: Uuid,
    /// The email as the user typed it, trimmed.
    pub email: String,
    /// Display name.
    pub name: String,
    /// PHC string (argon2id) or modular crypt string (bcrypt, imported).
    pub password_hash: String,
    /// When the account was created.
    pub created_at: OffsetDateTime,
    /// The IANA time zone "today" and all-day dates are reckoned in.
    pub timezone: String,
    /// Whether the owner of the address proved it (a verification link, a completed
    /// password reset or email change).
    pub email_verified: bool,
    /// Whether two-factor sign-in (TOTP) is on.
    pub two_factor: bool,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// New id.
    pub id: Uuid,
    /// The email as typed, trimmed.
    pub email: String,
    /// The email folded to lower case: the unique key.
    pub email_lower: String,
    /// Display name.
    pub name: String,
    /// Password hash.
    pub password_hash: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

impl From<NewUser> for UserRecord {
    fn from(user: NewUser) -> Self {
        Self {
            id: user.id,
            email: user.email,
            name: user.name,
            password_hash: user.password_hash,
            created_at: user.created_at,
            // The column's default: a new account starts in UTC.
            timezone: "UTC".to_owned(),
            email_verified: false,
            two_factor: false,
        }
    }
}

/// What decides whether a user's tokens without a session may still be honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCutoff {
    /// Tokens without a session issued at or before this are refused (set by signing out
    /// everywhere, changing the password and deleting the account); `None`: never set.
    pub not_before: Option<OffsetDateTime>,
}

impl TokenCutoff {
    /// Whether a token without a session, issued at `issued_at` (its `iat`, in seconds
    /// since the epoch), is still honoured. `iat` has whole seconds, so a token of the
    /// very second of the cut-off is refused too; one without `iat` only when no cut-off
    /// was ever set.
    pub fn admits(&self, issued_at: Option<i64>) -> bool {
        match self.not_before {
            None => true,
            Some(cut) => issued_at.is_some_and(|iat| iat > cut.unix_timestamp()),
        }
    }
}

/// The `users` table.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates a user; `Conflict` when the email is taken.
    async fn user_insert(&self, user: &NewUser) -> StoreResult<()>;

    /// Finds a user by id.
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;

    /// The token cut-off of a user; `None` when the user does not exist.
    async fn user_token_cutoff(&self, id: Uuid) -> StoreResult<Option<TokenCutoff>>;

    /// Finds a user by the lower-cased email.
    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>>;

    /// Changes a user's name and time zone (`None` keeps one); `None` when the user does
    /// not exist.
    async fn user_set_profile(
        &self,
        id: Uuid,
        name: Option<&str>,
        timezone: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>>;

    /// Replaces the password hash and nothing else (bcrypt to argon2id upgrades), only
    /// while the stored hash is still `verified`, the one the password was checked
    /// against: a password changed in the meantime is never overwritten. `false` when
    /// nothing was written.
    async fn user_upgrade_password_hash(
        &self,
        id: Uuid,
        verified: &str,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Replaces the password hash and, in the same transaction, revokes every active
    /// session of the user except `keep`, sets the token cut-off, and drops the user's
    /// outstanding password-reset and email-change links (someone who knew the old
    /// password cannot finish a change with them).
    async fn user_change_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Deletes a user with their sessions and tasks and sets the token cut-off; `false`
    /// when there was no such user.
    async fn user_delete(&self, id: Uuid) -> StoreResult<bool>;

    /// Marks the address of user `id` verified, only while it is still `email_lower`;
    /// `false` when the account has another address now (or is gone).
    async fn user_set_email_verified(
        &self,
        id: Uuid,
        email_lower: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Gives user `id` the address `email` (`email_lower` folded), verified; lists shared
    /// with that address before become theirs, as at sign-up. `Conflict` when another
    /// account has it; `false` when there is no such user.
    async fn user_change_email(
        &self,
        id: Uuid,
        email: &str,
        email_lower: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// The columns a [`UserRecord`] is read from, of the `users` table named `t` in the
/// statement (`users`, or an alias), in order; `two_factor` is whether a confirmed TOTP
/// secret exists.
pub(super) fn user_columns(t: &str) -> String {
    format!(
        "{t}.id, {t}.email, {t}.name, {t}.password_hash, {t}.created_at, {t}.timezone, \
         {t}.email_verified, EXISTS (SELECT 1 FROM totp WHERE totp.user_id = {t}.id \
         AND totp.enabled_at IS NOT NULL) AS two_factor"
    )
}

/// Marks an address verified while the account still has it; binds verified-at (as the
/// update time), id, email_lower.
pub(super) fn set_verified_sql(p: [&str; 3]) -> String {
    let [now, id, email] = p;
    format!(
        "UPDATE users SET email_verified = TRUE, updated_at = {now}
         WHERE id = {id} AND email_lower = {email}"
    )
}

/// Gives an account a new, verified address; binds email, email_lower, now, id.
pub(super) fn change_email_sql(p: [&str; 4]) -> String {
    let [email, lower, now, id] = p;
    format!(
        "UPDATE users SET email = {email}, email_lower = {lower}, email_verified = TRUE,
                          updated_at = {now}
         WHERE id = {id}"
    )
}

/// Drops a user's outstanding reset and email-change links (a password change); binds
/// the user.
pub(super) fn drop_links_sql(user: &str) -> String {
    format!(
        "DELETE FROM account_tokens
         WHERE user_id = {user} AND purpose IN ('password_reset', 'change_email')"
    )
}
