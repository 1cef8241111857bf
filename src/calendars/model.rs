//! A calendar feed as Taskward keeps it.

use time::OffsetDateTime;
use uuid::Uuid;

/// The most feeds one user may have.
pub const MAX_FEEDS: usize = 20;

/// A private `.ics` feed of one list, or of every list its user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Its id.
    pub id: Uuid,
    /// Whose tasks it publishes.
    pub user_id: Uuid,
    /// The one list it publishes; `None`: every list the user sees.
    pub list_id: Option<Uuid>,
    /// SHA-256 of the token in its URL.
    pub token_hash: [u8; 32],
    /// When it was made.
    pub created_at: OffsetDateTime,
}
