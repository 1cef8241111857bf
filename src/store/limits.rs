//! Rate-limit counters kept in the database, so that every node of a deployment counts
//! against the same budget. Keys are opaque bytes (hashes made by `auth/limit`).

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;

/// The state of a key's window after one more hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Hits in the current window, this one included.
    pub hits: u32,
    /// When the current window ends.
    pub expires: OffsetDateTime,
}

/// Fixed-window counters.
#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Counts one hit on `key`, atomically: a window that ended at or before `now`
    /// starts again at `now` and lasts until `expires`; otherwise the hit is added to it.
    async fn limit_hit(
        &self,
        key: &[u8],
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<Hit>;

    /// Forgets `key` (a success clears an email's count).
    async fn limit_clear(&self, key: &[u8]) -> StoreResult<()>;

    /// Deletes the windows that ended at or before `now`; returns how many.
    async fn limit_sweep(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// The hits of a window never grow past this (the column is a 32-bit integer).
pub(super) const MAX_HITS: i64 = 1 << 30;
