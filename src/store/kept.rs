//! Forms the web app keeps for one read (post/redirect/get): opaque rows keyed by a hash
//! of a random id, readable only by the browser (and user) that made them, until they
//! expire. The store does not look inside `data`.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;

/// One kept form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKept {
    /// SHA-256 of the random id the browser holds.
    pub id: [u8; 32],
    /// SHA-256 of what identifies the browser (its CSRF cookie).
    pub owner: [u8; 32],
    /// The signed-in user who sent it; `None` when the session had ended.
    pub user_id: Option<Uuid>,
    /// The path of the page that shows it.
    pub page: String,
    /// What was kept (the web app's JSON).
    pub data: String,
    /// When it is gone.
    pub expires: OffsetDateTime,
}

/// Kept forms.
#[async_trait]
pub trait KeptStore: Send + Sync {
    /// Keeps `kept`, and deletes the rows expired at `now` (cheap: by the `expires`
    /// index, and writes are rare).
    async fn kept_put(&self, kept: NewKept, now: OffsetDateTime) -> StoreResult<()>;

    /// Takes (reads and deletes) the form `id` of `owner` for `page`, if it has not
    /// expired at `now` and belongs to `user_id` or to nobody (kept after the session
    /// ended). Anyone else gets `None` and the row stays for its owner.
    async fn kept_take(
        &self,
        id: [u8; 32],
        owner: [u8; 32],
        user_id: Option<Uuid>,
        page: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<String>>;
}
