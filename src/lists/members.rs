//! Sharing a list by email (API-2.md section 1): who a list is shared with, sharing it,
//! and removing a member or leaving. A new share is `pending` whether or not the email
//! has an account, so the answer never tells who has one; it becomes `active` when that
//! account lists its lists (or signs up).

use uuid::Uuid;

use super::model::{Member, Role};
use super::service::{Lists, inbox, not_found, not_owner};
use crate::auth::model::Email;
use crate::error::{AppError, AppResult, FieldError};
use crate::timestamp::now;

/// Most members of one list, besides its owner.
pub const MAX_MEMBERS: usize = 100;

fn no_member() -> AppError {
    AppError::NotFound("this list is not shared with this email".into())
}

fn owner_stays(what: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(
        "email",
        format!("is the list's owner, who cannot be {what}; delete the list instead"),
    )])
}

impl Lists {
    /// The owner, then the members of list `id`, as `user_id` may see them (`404` when
    /// they may not see the list).
    pub async fn members(&self, user_id: Uuid, id: Uuid) -> AppResult<Vec<Member>> {
        let members = self.store.members_of(user_id, id).await?;
        if members.is_empty() {
            return Err(not_found());
        }
        Ok(members)
    }

    /// Shares list `id` with `email` as `role` (`editor` or `viewer`), or changes the
    /// role of an existing share; only the owner may (`403`), never an inbox (`422`).
    pub async fn share(
        &self,
        user_id: Uuid,
        id: Uuid,
        email: &Email,
        role: Role,
    ) -> AppResult<Member> {
        let list = self.get(user_id, id).await?;
        if !list.role.can_manage() {
            return Err(not_owner());
        }
        if list.is_inbox {
            return Err(inbox("shared"));
        }
        let members = self.members(user_id, id).await?;
        if members.first().is_some_and(|o| o.email == email.lower()) {
            return Err(owner_stays("shared with"));
        }
        let known = members.iter().any(|m| m.email == email.lower());
        if !known && members.len() > MAX_MEMBERS {
            return Err(AppError::Validation(vec![FieldError::new(
                "email",
                format!("a list is shared with at most {MAX_MEMBERS} people; remove one first"),
            )]));
        }
        self.store
            .member_put(user_id, id, email.lower(), role, now())
            .await?
            .ok_or_else(not_found)
    }

    /// Removes the member `email` from list `id`: the owner removes anyone, a member
    /// only themselves (leaving; anyone else is `403`).
    pub async fn unshare(&self, user_id: Uuid, id: Uuid, email: &Email) -> AppResult<()> {
        let list = self.get(user_id, id).await?;
        if list.role.can_manage() {
            let members = self.members(user_id, id).await?;
            if members.first().is_some_and(|o| o.email == email.lower()) {
                return Err(owner_stays("removed"));
            }
        }
        if self.store.member_delete(user_id, id, email.lower()).await? {
            return Ok(());
        }
        if list.role.can_manage() {
            Err(no_member())
        } else {
            Err(AppError::Forbidden(
                "a member may remove only themselves from a list; only its owner removes others"
                    .into(),
            ))
        }
    }
}
