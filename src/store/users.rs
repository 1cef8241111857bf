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

    /// Finds a user by the lower-cased email.
    async fn user_by_email(&self, email_lower: &str) -> StoreResult<Option<UserRecord>>;

    /// Renames a user; `None` when the user does not exist.
    async fn user_set_name(
        &self,
        id: Uuid,
        name: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserRecord>>;

    /// Replaces the password hash and nothing else (bcrypt to argon2id upgrades).
    async fn user_set_password_hash(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Replaces the password hash and, in the same transaction, revokes every active
    /// session of the user except `keep`.
    async fn user_change_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Deletes a user with their sessions and tasks; `false` when there was no such user.
    async fn user_delete(&self, id: Uuid) -> StoreResult<bool>;
}
