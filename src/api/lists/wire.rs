//! The list API's wire format: the bodies (read by these very types, and documented from
//! them), and lists and members as clients see them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::wire::{Fields, body};
use crate::error::FieldError;
use crate::lists::ListChange;
use crate::lists::model::{List, ListColor, ListName, Member, Role};

/// Highest sidebar position a client may give.
pub const MAX_POSITION: i64 = 1_000_000;

body! {
    /// A new list. Unknown members are ignored.
    pub struct ListInput {
        /// 1 to 100 characters after trimming.
        #[schema(required, min_length = 1, max_length = 100, example = "Groceries")]
        name: String,
        /// `#rrggbb`; `null` or absent for none.
        #[schema(nullable, pattern = "^#[0-9A-Fa-f]{6}$", example = "#3366cc")]
        color: String,
    }
}

body! {
    /// A change to a list (its owner's): any subset of the members.
    pub struct ListChanges {
        /// 1 to 100 characters after trimming.
        #[schema(min_length = 1, max_length = 100, example = "Weekly shop")]
        name: String,
        /// `#rrggbb`; `null` removes the colour.
        #[schema(nullable, pattern = "^#[0-9A-Fa-f]{6}$")]
        color: String,
        /// The place in the sidebar, ascending (0 to 1000000).
        #[schema(minimum = 0, maximum = 1_000_000)]
        position: i64,
        /// Hidden from the sidebar, kept (an inbox is never archived).
        archived: bool,
    }
}

/// The roles a share grants.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SharedRole {
    /// Changes the list's tasks.
    Editor,
    /// Reads them.
    Viewer,
}

body! {
    /// A share: the role the email gets.
    pub struct MemberInput {
        /// `editor` or `viewer`.
        #[schema(required)]
        role: SharedRole,
    }
}

fn name(raw: String) -> Result<ListName, FieldError> {
    ListName::parse(&raw)
}

fn color(raw: String) -> Result<Option<ListColor>, FieldError> {
    ListColor::parse(&raw).map(Some)
}

impl ListInput {
    /// The name and colour, or one error per invalid member.
    pub fn into_fields(self) -> Result<(ListName, Option<ListColor>), Vec<FieldError>> {
        let mut f = Fields::new();
        let name = f.required("name", self.name, name);
        let color = f.optional("color", self.color, Some(None), color);
        f.finish(name.zip(color).map(|(n, c)| (n, c.flatten())))
    }
}

impl ListChanges {
    /// The change, or one error per invalid member.
    pub fn into_change(self) -> Result<ListChange, Vec<FieldError>> {
        let mut f = Fields::new();
        let name = f.optional("name", self.name, None, name);
        let color = f.optional("color", self.color, Some(None), color);
        let position = f.optional("position", self.position, None, |p| {
            if (0..=MAX_POSITION).contains(&p) {
                Ok(p)
            } else {
                Err(FieldError::new(
                    "position",
                    format!("must be from 0 to {MAX_POSITION}"),
                ))
            }
        });
        let archived = f.optional("archived", self.archived, None, Ok);
        let change = (|| {
            Some(ListChange {
                name: name?,
                color: color?,
                position: position?,
                archived: archived?,
            })
        })();
        f.finish(change)
    }
}

impl MemberInput {
    /// The role, or the error.
    pub fn into_role(self) -> Result<Role, Vec<FieldError>> {
        let mut f = Fields::new();
        let role = f.required("role", self.role, |r| {
            Ok(match r {
                SharedRole::Editor => Role::Editor,
                SharedRole::Viewer => Role::Viewer,
            })
        });
        f.finish(role)
    }
}

/// The caller's role in a list.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleView {
    /// Owns the list.
    Owner,
    /// Changes its tasks.
    Editor,
    /// Reads them.
    Viewer,
}

impl From<Role> for RoleView {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => Self::Owner,
            Role::Editor => Self::Editor,
            Role::Viewer => Self::Viewer,
        }
    }
}

/// A list as the caller sees it. Responses carrying one have its `ETag`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = List, example = json!({"id": "019ab8d2-7f10-7c3e-b2d4-5a6b7c8d9e0f",
    "name": "Groceries", "color": "#3366cc", "position": 1, "archived": false,
    "is_inbox": false, "owner_id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64", "role": "owner",
    "pending_count": 3, "created_at": "2026-11-25T09:30:00Z",
    "updated_at": "2026-11-25T09:30:00Z"}))]
pub struct ListView {
    id: Uuid,
    name: String,
    /// `#rrggbb`, or `null`.
    #[schema(required)]
    color: Option<String>,
    /// Sidebar order, ascending.
    position: i64,
    archived: bool,
    /// The owner's inbox: never deleted, archived or shared.
    is_inbox: bool,
    owner_id: Uuid,
    /// The caller's role.
    role: RoleView,
    /// Tasks not completed.
    pending_count: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    updated_at: OffsetDateTime,
}

impl From<List> for ListView {
    fn from(l: List) -> Self {
        Self {
            id: l.id,
            name: l.name,
            color: l.color,
            position: l.position,
            archived: l.archived,
            is_inbox: l.is_inbox,
            owner_id: l.owner_id,
            role: l.role.into(),
            pending_count: l.pending_count,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

/// Whether a share is in use.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Not yet listed by an account of this email.
    Pending,
    /// In use by the account `user_id`.
    Active,
}

/// The owner or a member of a list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ListMember, example = json!({"email": "sam@example.com", "user_id": null,
    "role": "editor", "status": "pending"}))]
pub struct MemberView {
    /// Lower-cased: the `{email}` of the member's URL.
    email: String,
    /// The member's account once active; `null` while pending.
    #[schema(required)]
    user_id: Option<Uuid>,
    role: RoleView,
    status: MemberStatus,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        Self {
            status: if m.is_active() {
                MemberStatus::Active
            } else {
                MemberStatus::Pending
            },
            email: m.email,
            user_id: m.user_id,
            role: m.role.into(),
        }
    }
}
