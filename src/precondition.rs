//! Optimistic concurrency: every changeable resource carries a version, bumped by each
//! change, and a client may require the version it read before it changes anything.
//!
//! A leaf of the crate: services take a [`Precondition`]; the faces make one from what the
//! client sent (`If-Match` with an ETag, see `http::conditional`).

/// What a client requires of a resource's current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// The resource must exist, whatever its version (`If-Match: *`).
    Any,
    /// The resource must have one of these versions; an empty list matches nothing.
    Versions(Vec<i64>),
}

impl Precondition {
    /// Whether a resource at `version` satisfies it.
    pub fn holds(&self, version: i64) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(versions) => versions.contains(&version),
        }
    }
}
