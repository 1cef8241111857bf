//! The list service: a user's lists, and the owner's changes to one. Who may do what is
//! the role (`model::Role`); the store only ever returns a list as one user sees it, so a
//! list the user may not see is "not found" here as everywhere.
//!
//! Changes are read-modify-write with optimistic concurrency, as for tasks: with a
//! precondition (`If-Match`) a version that moved is a `412`; without one the change is
//! retried on the fresh row.

use std::sync::Arc;

use uuid::Uuid;

use super::model::{List, ListColor, ListName};
use crate::error::{AppError, AppResult, FieldError};
use crate::precondition::Precondition;
use crate::store::{ListStore, NewList};
use crate::timestamp::now;

/// Attempts of a change before giving up on a list that keeps changing under it.
const ATTEMPTS: usize = 5;

pub(super) fn not_found() -> AppError {
    AppError::NotFound("there is no list with this id".into())
}

pub(super) fn not_owner() -> AppError {
    AppError::Forbidden("only the list's owner may change, delete or share it".into())
}

fn stale() -> AppError {
    AppError::PreconditionFailed(
        "the list has changed since you read it (If-Match does not match its ETag); read it again"
            .into(),
    )
}

pub(super) fn inbox(what: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(
        "id",
        format!("the inbox cannot be {what}"),
    )])
}

/// What a change sets; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct ListChange {
    /// A new name.
    pub name: Option<ListName>,
    /// A new colour, or `Some(None)` to remove it.
    pub color: Option<Option<ListColor>>,
    /// A new position in the sidebar.
    pub position: Option<i64>,
    /// Archive or restore.
    pub archived: Option<bool>,
}

/// Every user's lists, each user seeing those they own or share.
#[derive(Clone)]
pub struct Lists {
    pub(super) store: Arc<dyn ListStore>,
}

impl Lists {
    /// The service over the store's lists.
    pub fn new(store: Arc<dyn ListStore>) -> Self {
        Self { store }
    }

    /// The lists `user_id` sees, by position, then name. Lists shared with the user's
    /// email before they had an account, or before they last looked, become theirs here.
    pub async fn all(&self, user_id: Uuid) -> AppResult<Vec<List>> {
        self.store.members_activate(user_id).await?;
        Ok(self.store.lists_of(user_id).await?)
    }

    /// List `id` as `user_id` sees it (`404` if they may not).
    pub async fn get(&self, user_id: Uuid, id: Uuid) -> AppResult<List> {
        self.store
            .list_get(user_id, id)
            .await?
            .ok_or_else(not_found)
    }

    /// A new list of `owner_id`, placed after their other lists.
    pub async fn create(
        &self,
        owner_id: Uuid,
        name: ListName,
        color: Option<ListColor>,
    ) -> AppResult<List> {
        self.create_at(owner_id, Uuid::now_v7(), name, color).await
    }

    /// A new list of `owner_id` with the id `id` (a CalDAV client names the collection
    /// it makes); `409` when a list has it already.
    pub async fn create_at(
        &self,
        owner_id: Uuid,
        id: Uuid,
        name: ListName,
        color: Option<ListColor>,
    ) -> AppResult<List> {
        let position = self.store.list_next_position(owner_id).await?;
        let list = NewList {
            id,
            owner_id,
            name: name.as_str().to_owned(),
            color: color.map(|c| c.as_str().to_owned()),
            position,
            created_at: now(),
        };
        self.store.list_insert(&list).await?;
        self.get(owner_id, list.id).await
    }

    /// Applies `change` to list `id` as its owner (`403` for a member, `404` for anyone
    /// else); an inbox is never archived.
    pub async fn change(
        &self,
        user_id: Uuid,
        id: Uuid,
        change: &ListChange,
        precondition: Option<&Precondition>,
    ) -> AppResult<List> {
        for _ in 0..ATTEMPTS {
            let current = self.get(user_id, id).await?;
            if !current.role.can_manage() {
                return Err(not_owner());
            }
            if precondition.is_some_and(|p| !p.holds(current.version)) {
                return Err(stale());
            }
            if current.is_inbox && change.archived == Some(true) {
                return Err(inbox("archived"));
            }
            let mut next = current.clone();
            if let Some(name) = &change.name {
                next.name = name.as_str().to_owned();
            }
            if let Some(color) = &change.color {
                next.color = color.as_ref().map(|c| c.as_str().to_owned());
            }
            next.position = change.position.unwrap_or(next.position);
            next.archived = change.archived.unwrap_or(next.archived);
            if next == current {
                return Ok(current);
            }
            next.updated_at = now();
            next.version = current.version + 1;
            if self.store.list_update(&next, current.version).await? {
                return Ok(next);
            }
            if precondition.is_some() {
                return Err(stale());
            }
        }
        Err(AppError::Conflict(
            "the list is being changed by someone else right now; try again".into(),
        ))
    }

    /// Deletes list `id` and its tasks, as its owner; the inbox stays (`422`).
    pub async fn delete(&self, user_id: Uuid, id: Uuid) -> AppResult<()> {
        let list = self.get(user_id, id).await?;
        if !list.role.can_manage() {
            return Err(not_owner());
        }
        if list.is_inbox {
            return Err(inbox("deleted"));
        }
        if self.store.list_delete(user_id, id).await? {
            Ok(())
        } else {
            Err(not_found())
        }
    }
}

#[cfg(test)]
mod tests;
