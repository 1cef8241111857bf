//! A parameter of a statement built as text (the task list), bound by each back end in
//! its own types.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A parameter of the list query, bound by the back end in its own types.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// An id.
    Uuid(Uuid),
    /// Ranks, and (SQLite) times in microseconds.
    Int(i64),
    /// Text.
    Text(String),
    /// Completion.
    Bool(bool),
    /// A time (PostgreSQL binds it as timestamptz, SQLite as microseconds).
    Time(OffsetDateTime),
    /// A day (PostgreSQL binds it as date, SQLite as its Julian day number).
    Date(Date),
}
