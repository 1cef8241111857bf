//! External identities: an issuer's subject linked to a Taskward user.

use async_trait::async_trait;
use uuid::Uuid;

use super::{NewUser, StoreError, StoreResult, UserRecord};

/// A user of an external token issuer to create together with its link: the issuer's
/// `sub` (any string) becomes an external identity of a new Taskward user.
#[derive(Debug, Clone)]
pub struct LinkedUser {
    /// The Taskward user to create.
    pub user: NewUser,
    /// The issuer (`iss`) the subject belongs to.
    pub issuer: String,
    /// The issuer's user id (`sub`).
    pub subject: String,
}

/// What creating a [`LinkedUser`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The user and its link were created.
    Created,
    /// The identity was linked before, to this Taskward user; nothing changed.
    AlreadyLinked(Uuid),
    /// Another account already has the email; nothing changed. Linking to it by email
    /// would let whoever controls the issuer take over a local account.
    EmailTaken,
}

/// The `external_identities` table.
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    /// The user linked to `subject` of `issuer`, if any.
    async fn user_by_external_identity(
        &self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<UserRecord>>;

    /// Links `subject` of `issuer` to the existing user `user_id` (single sign-on linking by
    /// a verified email); `false` when the identity is linked already.
    async fn external_identity_link(
        &self,
        issuer: &str,
        subject: &str,
        user_id: Uuid,
    ) -> StoreResult<bool>;

    /// Creates the user and its external identity in one transaction, unless the identity
    /// is already linked or the email is taken. Two concurrent calls for one identity may
    /// end in `Conflict` for one of them; the caller then looks the identity up again.
    async fn external_user_create(&self, linked: &LinkedUser) -> StoreResult<LinkOutcome> {
        let outcomes = self
            .external_users_import(std::slice::from_ref(linked), false)
            .await?;
        outcomes
            .first()
            .copied()
            .ok_or_else(|| StoreError::Internal("no outcome for one user".into()))
    }

    /// [`IdentityStore::external_user_create`] for every entry, all in one transaction:
    /// committed unless `dry_run`, in which case nothing is written. One outcome per
    /// entry, in order.
    async fn external_users_import(
        &self,
        users: &[LinkedUser],
        dry_run: bool,
    ) -> StoreResult<Vec<LinkOutcome>>;
}
