//! What can go wrong in the store, sorted by what the caller can do about it.

use crate::error::AppError;

/// A failure of the store, already sorted by what the caller can do about it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database does not answer (connection refused, pool timed out, I/O): retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness rule was broken; the text names it for the client.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The row does not exist (or belongs to someone else).
    #[error("not found")]
    NotFound,
    /// The database cannot be opened or migrated at start; the text says why.
    #[error("{0}")]
    Open(String),
    /// Anything else: a bug or a broken database. Logged, never shown.
    #[error("database error: {0}")]
    Internal(String),
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Sorts a driver error. `unique` is the sentence for a unique-constraint violation.
    pub(crate) fn from_sqlx(e: sqlx::Error, unique: &'static str) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(e.to_string()),
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    Self::Conflict(unique)
                } else if is_unavailable_code(db.code().as_deref()) {
                    Self::Unavailable(e.to_string())
                } else {
                    Self::Internal(e.to_string())
                }
            }
            _ => Self::Internal(e.to_string()),
        }
    }
}

/// Database error codes that mean "not now" rather than "never": SQLite busy/locked,
/// PostgreSQL connection failures, shutdowns and serialization failures.
fn is_unavailable_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "261" | "517") // SQLITE_BUSY, SQLITE_LOCKED and extended forms
            | Some("57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01")
    ) || code.is_some_and(|c| c.starts_with("08"))
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::from_sqlx(e, "this value is already taken")
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => Self::from(inner),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(cause) | StoreError::Open(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            StoreError::Conflict(what) => Self::Conflict(what.to_owned()),
            StoreError::NotFound => Self::not_found(),
            StoreError::Internal(cause) => Self::Internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_connection_codes_mean_unavailable() {
        assert!(is_unavailable_code(Some("5")));
        assert!(is_unavailable_code(Some("08006")));
        assert!(is_unavailable_code(Some("57P01")));
        assert!(!is_unavailable_code(Some("23505")));
        assert!(!is_unavailable_code(None));
    }
}
