//! Personal access tokens as values (API-2.md section 5): what a token may do ([`Scope`],
//! [`Scopes`]), its name, how long it lives, the token as Taskward keeps it
//! ([`AccessToken`]: SHA-256 of the secret, never the secret) and what a presented token
//! grants ([`TokenGrant`]).

use std::fmt;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::model::{DisplayName, MAX_NAME};
use crate::error::FieldError;

/// Every token's secret starts with this, so a leaked one is recognisable (secret
/// scanners) and a password is never taken for one.
pub const TOKEN_PREFIX: &str = "tw_pat_";

/// The most tokens one user may have.
pub const MAX_ACCESS_TOKENS: usize = 50;

/// Most characters in a token's name.
pub const MAX_TOKEN_NAME: usize = MAX_NAME;

/// The longest life a token may be given, in days (ten years); a token may also never
/// expire.
pub const MAX_EXPIRY_DAYS: i64 = 3650;

/// One thing a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `tasks:read`: read lists, tasks, reminders and feeds.
    TasksRead,
    /// `tasks:write`: change them too; implies [`Scope::TasksRead`].
    TasksWrite,
}

impl Scope {
    /// Every scope, in the order they are shown.
    pub const ALL: [Self; 2] = [Self::TasksRead, Self::TasksWrite];

    /// Its name on the wire and in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TasksRead => "tasks:read",
            Self::TasksWrite => "tasks:write",
        }
    }

    /// The scope named `name`, exactly.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scopes of a token: at least one, each once, in [`Scope::ALL`]'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// The scopes given (`field` names them in the error): none is an error.
    pub fn new(field: &str, scopes: impl IntoIterator<Item = Scope>) -> Result<Self, FieldError> {
        let mut all: Vec<Scope> = scopes.into_iter().collect();
        all.sort_unstable();
        all.dedup();
        if all.is_empty() {
            return Err(FieldError::new(field, "must name at least one scope"));
        }
        Ok(Self(all))
    }

    /// The scopes named in `names`; an unknown name or none at all is an error.
    pub fn parse<'a>(
        field: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, FieldError> {
        let mut all = Vec::new();
        for name in names {
            let scope = Scope::from_name(name).ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("`{name}` is not a scope: must be one of tasks:read, tasks:write"),
                )
            })?;
            all.push(scope);
        }
        Self::new(field, all)
    }

    /// The scopes as stored (space-separated). A name this version does not know is
    /// left out, so a token never gains what it was not given.
    pub fn from_stored(stored: &str) -> Self {
        let mut all: Vec<Scope> = stored.split(' ').filter_map(Scope::from_name).collect();
        all.sort_unstable();
        all.dedup();
        Self(all)
    }

    /// Whether these scopes allow `scope`: `tasks:write` implies `tasks:read`
    /// (docs/decisions.md).
    pub fn allows(&self, scope: Scope) -> bool {
        self.0
            .iter()
            .any(|&held| held == scope || (held == Scope::TasksWrite && scope == Scope::TasksRead))
    }

    /// The scopes, in order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for Scopes {
    /// Space-separated, as stored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s.as_str())?;
        }
        Ok(())
    }
}

/// A token's name, for its owner to tell tokens apart: trimmed, 1 to 100 characters, no
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    /// Checks a name: the rules of a display name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        DisplayName::parse(raw).map(|n| Self(n.as_str().to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long a new token lives: 1 to 3650 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiresIn(i64);

impl ExpiresIn {
    /// Checks a number of days (`field` names it in the error).
    pub fn days(field: &str, days: i64) -> Result<Self, FieldError> {
        if (1..=MAX_EXPIRY_DAYS).contains(&days) {
            Ok(Self(days))
        } else {
            Err(FieldError::new(
                field,
                format!("must be a number of days from 1 to {MAX_EXPIRY_DAYS}, or null for never"),
            ))
        }
    }

    /// When a token made at `from` expires.
    pub fn after(self, from: OffsetDateTime) -> OffsetDateTime {
        from + Duration::days(self.0)
    }
}

/// A personal access token as Taskward keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// Its id.
    pub id: Uuid,
    /// Whose it is.
    pub user_id: Uuid,
    /// Its owner's name for it.
    pub name: String,
    /// SHA-256 of the secret.
    pub token_hash: [u8; 32],
    /// What it may do.
    pub scopes: Scopes,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops working; `None`: never.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was last accepted (to the minute); `None`: never.
    pub last_used_at: Option<OffsetDateTime>,
}

impl AccessToken {
    /// Whether it has expired at `now`.
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// What a presented token grants: whose tasks, through which token, with what scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The token's owner.
    pub user_id: Uuid,
    /// The token (to revoke or show its last use).
    pub token_id: Uuid,
    /// What it may do.
    pub scopes: Scopes,
}

impl TokenGrant {
    /// Whether the token may do `scope` (`tasks:write` implies `tasks:read`).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.allows(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_implies_read_and_not_the_reverse() {
        let read = Scopes::parse("scopes", ["tasks:read"]).expect("valid");
        assert!(read.allows(Scope::TasksRead));
        assert!(!read.allows(Scope::TasksWrite));
        let write = Scopes::parse("scopes", ["tasks:write"]).expect("valid");
        assert!(write.allows(Scope::TasksRead));
        assert!(write.allows(Scope::TasksWrite));
    }

    #[test]
    fn scopes_are_checked_sorted_and_stored_space_separated() {
        let both =
            Scopes::parse("scopes", ["tasks:write", "tasks:read", "tasks:write"]).expect("valid");
        assert_eq!(both.to_string(), "tasks:read tasks:write");
        assert_eq!(Scopes::from_stored(&both.to_string()), both);
        assert_eq!(
            Scopes::from_stored("tasks:read admin"),
            Scopes::parse("s", ["tasks:read"]).expect("valid")
        );
        let none = Scopes::parse("scopes", []).expect_err("empty");
        assert_eq!(none.message, "must name at least one scope");
        for bad in ["admin", "Tasks:Read", "tasks:read ", ""] {
            let e = Scopes::parse("scopes", [bad]).expect_err(bad);
            assert_eq!(e.field, "scopes");
            assert!(e.message.contains("is not a scope"), "{}", e.message);
        }
        assert!(!Scopes::from_stored("admin").allows(Scope::TasksRead));
    }

    #[test]
    fn names_and_expiries_have_bounds() {
        assert_eq!(
            TokenName::parse("  Phone  ").expect("valid").as_str(),
            "Phone"
        );
        assert!(TokenName::parse(&"é".repeat(100)).is_ok());
        for bad in ["", "   ", "a\nb"] {
            assert_eq!(TokenName::parse(bad).expect_err(bad).field, "name");
        }
        assert!(TokenName::parse(&"é".repeat(101)).is_err());
        for ok in [1, 30, 3650] {
            assert!(ExpiresIn::days("d", ok).is_ok(), "{ok}");
        }
        for bad in [0, -1, 3651, i64::MAX] {
            assert!(ExpiresIn::days("d", bad).is_err(), "{bad}");
        }
        let t0 = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            ExpiresIn::days("d", 2).expect("valid").after(t0),
            t0 + Duration::days(2)
        );
    }
}
