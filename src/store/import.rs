//! Bulk import of users and tasks taken over from another system.

use async_trait::async_trait;

use super::{NewUser, StoreResult};
use crate::tasks::model::Task;

/// Users and tasks brought in from another system (`taskward import`), already validated
/// and normalised by the importer.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// Accounts, with their ids and password hashes kept.
    pub users: Vec<NewUser>,
    /// Tasks, with their ids kept; every owner is in `users` or already stored.
    pub tasks: Vec<Task>,
}

/// How many rows an import wrote; rows whose id was already stored are left untouched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Users inserted.
    pub users: u64,
    /// Tasks inserted.
    pub tasks: u64,
}

/// Writing a whole import at once.
#[async_trait]
pub trait ImportStore: Send + Sync + 'static {
    /// Inserts `batch` in ONE transaction, skipping every user and task whose id is already
    /// stored (so a second run changes nothing). With `commit == false` the transaction is
    /// rolled back: the counts say what a real run would write. `progress` is called with
    /// the number of rows handled so far.
    async fn import(
        &self,
        batch: &ImportBatch,
        commit: bool,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<ImportCounts>;
}
