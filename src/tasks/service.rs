//! Task operations: create, read, replace, patch, complete, delete, list.
//!
//! Changes are read-modify-write with optimistic concurrency: the store writes only if
//! the row still has the version that was read. With `If-Match`, a version that moved is
//! a `412`; without it, the change is retried on the fresh row (last writer wins, but
//! nothing written in between is silently lost field by field).

use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{Task, TaskFields, TaskPatch};
use super::query::{Cursor, ListQuery};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::store::truncate_to_micros;

/// Attempts of a change before giving up on a task that keeps changing under it.
const ATTEMPTS: usize = 5;

/// What `If-Match` asks for (RFC 9110 13.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: the task must exist.
    Any,
    /// One of these entity tags, compared strongly.
    OneOf(Vec<String>),
}

impl Precondition {
    /// Parses an `If-Match` value; weak tags (`W/"..."`) never match (strong comparison).
    pub fn parse(header: &str) -> Self {
        if header.trim() == "*" {
            return Self::Any;
        }
        Self::OneOf(
            header
                .split(',')
                .map(str::trim)
                .filter(|t| t.starts_with('"') && t.ends_with('"') && t.len() >= 2)
                .map(str::to_owned)
                .collect(),
        )
    }

    fn holds(&self, task: &Task) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(tags) => tags.contains(&task.etag()),
        }
    }
}

/// A page of the list.
#[derive(Debug)]
pub struct Page {
    /// The tasks, at most `limit`.
    pub tasks: Vec<Task>,
    /// All matches, on every page.
    pub total: u64,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

fn not_found() -> AppError {
    AppError::NotFound("there is no task with this id".into())
}

fn stale() -> AppError {
    AppError::PreconditionFailed(
        "the task has changed since you read it (If-Match does not match its ETag); read it again"
            .into(),
    )
}

/// Creates a task for the caller.
pub async fn create(state: &AppState, user: CurrentUser, fields: TaskFields) -> AppResult<Task> {
    let now = now();
    let mut task = Task {
        id: Uuid::now_v7(),
        user_id: user.id,
        title: fields.title.as_str().to_owned(),
        description: fields.description.as_str().to_owned(),
        completed: false,
        priority: fields.priority,
        due_at: fields.due_at,
        tags: fields.tags.into_vec(),
        created_at: now,
        updated_at: now,
        completed_at: None,
        version: 1,
    };
    task.set_completed(fields.completed.unwrap_or(false), now);
    state.store.task_insert(&task).await?;
    Ok(task)
}

/// One of the caller's tasks.
pub async fn get(state: &AppState, user: CurrentUser, id: Uuid) -> AppResult<Task> {
    state
        .store
        .task_get(user.id, id)
        .await?
        .ok_or_else(not_found)
}

/// Applies `change` to the caller's task under optimistic concurrency. `change` returns
/// whether it changed anything; an unchanged task is returned as it is, not rewritten.
async fn modify(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    precondition: Option<&Precondition>,
    change: impl Fn(&mut Task, OffsetDateTime) -> bool,
) -> AppResult<Task> {
    for _ in 0..ATTEMPTS {
        let current = get(state, user, id).await?;
        if precondition.is_some_and(|p| !p.holds(&current)) {
            return Err(stale());
        }
        let now = now();
        let mut next = current.clone();
        if !change(&mut next, now) {
            return Ok(current);
        }
        next.updated_at = now;
        next.version = current.version + 1;
        if state.store.task_update(&next, current.version).await? {
            return Ok(next);
        }
        // Changed (or deleted) between our read and our write.
        if precondition.is_some() {
            return Err(stale());
        }
    }
    Err(AppError::Conflict(
        "the task is being changed by someone else right now; try again".into(),
    ))
}

/// Replaces every writable field (`PUT`): omitted optional fields reset to defaults;
/// completion is kept unless `completed` is given.
pub async fn replace(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    fields: TaskFields,
    precondition: Option<&Precondition>,
) -> AppResult<Task> {
    modify(state, user, id, precondition, |t, now| {
        t.title = fields.title.as_str().to_owned();
        t.description = fields.description.as_str().to_owned();
        t.priority = fields.priority;
        t.due_at = fields.due_at;
        t.tags = fields.tags.as_slice().to_vec();
        if let Some(c) = fields.completed {
            t.set_completed(c, now);
        }
        true
    })
    .await
}

/// Changes the fields present in `patch` (`PATCH`).
pub async fn patch(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    patch: TaskPatch,
    precondition: Option<&Precondition>,
) -> AppResult<Task> {
    if patch.is_empty() {
        let current = get(state, user, id).await?;
        if precondition.is_some_and(|p| !p.holds(&current)) {
            return Err(stale());
        }
        return Ok(current);
    }
    modify(state, user, id, precondition, |t, now| {
        if let Some(title) = &patch.title {
            t.title = title.as_str().to_owned();
        }
        if let Some(d) = &patch.description {
            t.description = d.as_str().to_owned();
        }
        if let Some(p) = patch.priority {
            t.priority = p;
        }
        if let Some(due) = patch.due_at {
            t.due_at = due;
        }
        if let Some(tags) = &patch.tags {
            t.tags = tags.as_slice().to_vec();
        }
        if let Some(c) = patch.completed {
            t.set_completed(c, now);
        }
        true
    })
    .await
}

/// Toggles completion, or sets it when `completed` is given.
pub async fn complete(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    completed: Option<bool>,
    precondition: Option<&Precondition>,
) -> AppResult<Task> {
    modify(state, user, id, precondition, |t, now| {
        let target = completed.unwrap_or(!t.completed);
        t.set_completed(target, now);
        true
    })
    .await
}

/// Deletes one of the caller's tasks.
pub async fn delete(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    precondition: Option<&Precondition>,
) -> AppResult<()> {
    for _ in 0..ATTEMPTS {
        let current = get(state, user, id).await?;
        if precondition.is_some_and(|p| !p.holds(&current)) {
            return Err(stale());
        }
        if state
            .store
            .task_delete(user.id, id, current.version)
            .await?
        {
            return Ok(());
        }
        if precondition.is_some() {
            return Err(stale());
        }
    }
    Err(AppError::Conflict(
        "the task is being changed by someone else right now; try again".into(),
    ))
}

/// One page of the caller's tasks.
pub async fn list(state: &AppState, user: CurrentUser, query: &ListQuery) -> AppResult<Page> {
    let (mut tasks, total) = state.store.task_list(user.id, query).await?;
    let limit = query.limit as usize;
    let next = if tasks.len() > limit {
        tasks.truncate(limit);
        tasks
            .last()
            .map(|last| Cursor::after(last, query.sort).encode(query.sort))
    } else {
        None
    };
    Ok(Page { tasks, total, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parses_lists_and_star() {
        assert_eq!(Precondition::parse(" * "), Precondition::Any);
        assert_eq!(
            Precondition::parse(r#""3", W/"4", "5""#),
            Precondition::OneOf(vec![r#""3""#.into(), r#""5""#.into()])
        );
        assert_eq!(Precondition::parse("garbage"), Precondition::OneOf(vec![]));
    }
}
