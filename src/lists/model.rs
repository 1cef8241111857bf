//! List values that can only hold valid contents (API-2.md section 1).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::FieldError;

/// Longest list name, in characters.
pub const MAX_LIST_NAME: usize = 100;

/// A list's name: 1 to 100 characters, trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListName(String);

impl ListName {
    /// Trims `raw` and checks it.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let invalid = |msg: &str| FieldError::new("name", msg);
        if name.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if name.chars().count() > MAX_LIST_NAME {
            return Err(invalid("must be at most 100 characters long"));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid("must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A list's colour: `#rrggbb`, kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListColor(String);

impl ListColor {
    /// Accepts `#` and six hexadecimal digits, in either case.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let hex = raw.strip_prefix('#').unwrap_or("");
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(format!("#{}", hex.to_ascii_lowercase())))
        } else {
            Err(FieldError::new(
                "color",
                "must be a colour like #3366cc, or null",
            ))
        }
    }

    /// `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the caller may do with a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads the list and its tasks.
    Viewer,
    /// Also creates, changes, completes, moves and deletes its tasks.
    Editor,
    /// Also renames, archives, deletes and shares the list.
    Owner,
}

impl Role {
    /// `owner`, `editor` or `viewer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Owner => "owner",
        }
    }

    /// The role named `raw` (`owner`, `editor`, `viewer`), as stored.
    pub fn from_name(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Self::Owner),
            "editor" => Some(Self::Editor),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    /// The role a share may grant: `editor` or `viewer` (an owner is not shared).
    pub fn parse_shared(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "editor" => Ok(Self::Editor),
            "viewer" => Ok(Self::Viewer),
            _ => Err(FieldError::new("role", "must be \"editor\" or \"viewer\"")),
        }
    }

    /// May change the list's tasks.
    pub fn can_write_tasks(self) -> bool {
        self >= Self::Editor
    }

    /// May change, delete and share the list itself.
    pub fn can_manage(self) -> bool {
        self == Self::Owner
    }
}

/// A list as one user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// Id (the owner's id for an inbox).
    pub id: Uuid,
    /// The owner.
    pub owner_id: Uuid,
    /// Name.
    pub name: String,
    /// `#rrggbb` or none.
    pub color: Option<String>,
    /// Order in the sidebar, ascending.
    pub position: i64,
    /// Hidden from the sidebar, kept.
    pub archived: bool,
    /// The owner's inbox.
    pub is_inbox: bool,
    /// The viewer's role.
    pub role: Role,
    /// Tasks not completed.
    pub pending_count: u64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Bumped on every change (ETag).
    pub version: i64,
    /// How many times a task was written into or left the list (CalDAV's `getctag` and
    /// sync token, issue 18).
    pub change_seq: i64,
}

/// Someone a list is shared with, or its owner, as the list's members see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The email the list was shared with (the owner's account email), lower-cased: the
    /// key of `/api/lists/{id}/members/{email}`.
    pub email: String,
    /// The account, once the share is active; `None` while it is pending.
    pub user_id: Option<Uuid>,
    /// What the member may do.
    pub role: Role,
}

impl Member {
    /// Whether the member's account has listed the list (else the share is pending).
    pub fn is_active(&self) -> bool {
        self.user_id.is_some()
    }

    /// `active` once the member's account has listed the list; `pending` before.
    pub fn status(&self) -> &'static str {
        if self.is_active() {
            "active"
        } else {
            "pending"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            ListName::parse("  Groceries ").map(|n| n.0),
            Ok("Groceries".into())
        );
        assert!(ListName::parse("   ").is_err());
        assert!(ListName::parse(&"é".repeat(100)).is_ok());
        assert!(ListName::parse(&"é".repeat(101)).is_err());
        assert!(ListName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn colours_are_six_hex_digits() {
        assert_eq!(
            ListColor::parse("#33AAcc").map(|c| c.0),
            Ok("#33aacc".into())
        );
        for bad in ["33aacc", "#33aac", "#33aaccd", "#33aacg", "", "#", "red"] {
            assert!(ListColor::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_order_what_they_allow() {
        assert!(Role::Owner.can_manage() && Role::Owner.can_write_tasks());
        assert!(!Role::Editor.can_manage() && Role::Editor.can_write_tasks());
        assert!(!Role::Viewer.can_manage() && !Role::Viewer.can_write_tasks());
        assert_eq!(Role::parse_shared("editor"), Ok(Role::Editor));
        assert!(Role::parse_shared("owner").is_err());
    }
}
