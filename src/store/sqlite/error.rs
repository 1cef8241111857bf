//! SQLite errors, sorted into store errors without the SQL they may quote.

use rusqlite::ErrorCode;

use crate::store::StoreError;

/// The engine's message, without the SQL it may quote.
pub(super) fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(err, Some(msg)) => format!("{msg} ({err})"),
        rusqlite::Error::SqliteFailure(err, None) => err.to_string(),
        other => other.to_string(),
    }
}

/// Sorts a SQLite error. `unique` is the sentence for a unique-constraint violation.
pub(super) fn store_error(e: rusqlite::Error, unique: &'static str) -> StoreError {
    match &e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(err, _) => match err.code {
            ErrorCode::ConstraintViolation
                if err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict(unique)
            }
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::DiskFull => StoreError::Unavailable(message(&e)),
            _ => StoreError::Internal(message(&e)),
        },
        _ => StoreError::Internal(message(&e)),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        store_error(e, "this value is already taken")
    }
}
