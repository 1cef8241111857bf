//! The task service: create, read, replace, patch, complete, delete, list.
//!
//! Changes are read-modify-write with optimistic concurrency: the store writes only if
//! the row still has the version that was read. With a precondition (`If-Match`), a
//! version that moved is a `412`; without one, the change is retried on the fresh row
//! (last writer wins, but nothing written in between is silently lost field by field).

use std::sync::Arc;

use time::OffsetDateTime;
use uuid::Uuid;

use super::due::{DueBounds, DueWindow};
use super::model::{Task, TaskFields, TaskPatch};
use super::page::Page;
use super::query::ListQuery;
use super::recurring::{self, Occurrence};
use super::reminders::Reminders;
use crate::error::{AppError, AppResult};
use crate::lists::model::Role;
use crate::precondition::Precondition;
use crate::store::{History, TaskStore, UserStore};
use crate::timestamp::now;

/// Attempts of a change before giving up on a task that keeps changing under it.
const ATTEMPTS: usize = 5;

pub(super) fn not_found() -> AppError {
    AppError::NotFound("there is no task with this id".into())
}

pub(super) fn stale() -> AppError {
    AppError::PreconditionFailed(
        "the task has changed since you read it (If-Match does not match its ETag); read it again"
            .into(),
    )
}

fn read_only() -> AppError {
    AppError::Forbidden(
        "you may read this list's tasks but not change them: the list is shared with you as a viewer"
            .into(),
    )
}

fn no_list() -> AppError {
    AppError::NotFound("there is no list with this id (`list_id`)".into())
}

fn busy() -> AppError {
    AppError::Conflict("the task is being changed by someone else right now; try again".into())
}

/// Every user's tasks, each user seeing those of the lists they own or share, and
/// changing those of the lists they own or edit.
#[derive(Clone)]
pub struct Tasks {
    pub(super) store: Arc<dyn TaskStore>,
    /// For the time zone "today" is reckoned in.
    users: Arc<dyn UserStore>,
}

impl Tasks {
    /// The service over the store's tasks and users.
    pub fn new(store: Arc<dyn TaskStore>, users: Arc<dyn UserStore>) -> Self {
        Self { store, users }
    }

    /// `window` as instants in `user_id`'s time zone, at `now`.
    async fn due_bounds(
        &self,
        user_id: Uuid,
        window: DueWindow,
        now: OffsetDateTime,
    ) -> AppResult<DueBounds> {
        let zone = self.zone_of(user_id).await?;
        let day = |n| crate::zone::start_of_day(&zone, now, n);
        let today = crate::zone::today(&zone, now);
        let date = |n: i64| today.checked_add(time::Duration::days(n));
        // How far an all-day task's key (its date's start in its writer's zone) can be
        // from the start of that date in the caller's zone: UTC-12 to UTC+14.
        let skew = time::Duration::hours(26);
        Ok(match window {
            DueWindow::Overdue => DueBounds {
                before: Some(now),
                before_date: Some(today),
                key_before: Some(day(0) + skew),
                ..DueBounds::default()
            },
            DueWindow::Today => DueBounds {
                from: Some(day(0)),
                before: Some(day(1)),
                from_date: Some(today),
                before_date: date(1),
                key_from: Some(day(0) - skew),
                key_before: Some(day(1) + skew),
                ..DueBounds::default()
            },
            DueWindow::Upcoming => DueBounds {
                from: Some(day(1)),
                before: Some(day(8)),
                from_date: date(1),
                before_date: date(8),
                key_from: Some(day(1) - skew),
                key_before: Some(day(8) + skew),
                ..DueBounds::default()
            },
            DueWindow::None => DueBounds {
                missing: true,
                ..DueBounds::default()
            },
        })
    }

    /// The time zone of `user_id` (UTC if the account is gone).
    pub async fn zone_of(&self, user_id: Uuid) -> AppResult<String> {
        Ok(self
            .users
            .user_by_id(user_id)
            .await?
            .map_or_else(|| "UTC".to_owned(), |u| u.timezone))
    }

    /// `user_id`'s zone, read at most once per change into `cache`.
    pub(super) async fn zone_once<'c>(
        &self,
        user_id: Uuid,
        cache: &'c mut Option<String>,
    ) -> AppResult<&'c str> {
        if cache.is_none() {
            *cache = Some(self.zone_of(user_id).await?);
        }
        Ok(cache.as_deref().unwrap_or("UTC"))
    }

    /// `task.due_key` for its due: `due_at`, or the start of `due_date` in the zone of
    /// `user_id`, who sets it (kept from `before` when the date did not change).
    pub(super) async fn set_due_key(
        &self,
        user_id: Uuid,
        zone: &mut Option<String>,
        task: &mut Task,
        before: Option<&Task>,
    ) -> AppResult<()> {
        task.due_key = match (task.due_at, task.due_date) {
            (Some(at), _) => Some(at),
            (None, Some(date)) => match before {
                Some(b) if b.due_date == Some(date) && b.due_key.is_some() => b.due_key,
                _ => Some(crate::zone::start_of_date(
                    self.zone_once(user_id, zone).await?,
                    date,
                )),
            },
            (None, None) => None,
        };
        Ok(())
    }

    /// Settles a recurring task after a change by `user_id` from `before` (`None`: a new
    /// task), in their zone: `422` without a due; the series restarted when its rule or
    /// due changed; and, when the change completes it, the occurrence to record with the
    /// task rolled forward.
    async fn settle(
        &self,
        user_id: Uuid,
        zone: &mut Option<String>,
        task: &mut Task,
        before: Option<&Task>,
        now: OffsetDateTime,
    ) -> AppResult<Option<Occurrence>> {
        if task.recurrence.is_none() {
            return Ok(None);
        }
        let zone = crate::zone::zone(self.zone_once(user_id, zone).await?);
        recurring::restart(task, &zone).map_err(|e| AppError::Validation(vec![e]))?;
        Ok(before.and_then(|b| recurring::complete(task, b, &zone, now, user_id)))
    }

    /// Checks that `user_id` may put tasks into list `list_id`: `404` when they do not see
    /// it (as for a list that does not exist), `403` when they only view it.
    async fn may_write_in(&self, user_id: Uuid, list_id: Uuid) -> AppResult<()> {
        match self.store.task_list_role(user_id, list_id).await? {
            None => Err(no_list()),
            Some(role) if !role.can_write_tasks() => Err(read_only()),
            Some(_) => Ok(()),
        }
    }

    /// Creates a task by `user_id`, in `fields.list_id` or else their inbox.
    pub async fn create(&self, user_id: Uuid, fields: TaskFields) -> AppResult<Task> {
        // The inbox's id is its owner's: no lookup for the common case.
        let list_id = fields.list_id.unwrap_or(user_id);
        if list_id != user_id {
            self.may_write_in(user_id, list_id).await?;
        }
        let now = now();
        let mut task = Task {
            id: Uuid::now_v7(),
            user_id,
            list_id,
            title: fields.title.as_str().to_owned(),
            description: fields.description.as_str().to_owned(),
            completed: false,
            priority: fields.priority,
            due_at: fields.due_at,
            due_date: fields.due_date,
            due_key: None,
            tags: fields.tags.into_vec(),
            recurrence: None,
            reminders: crate::tasks::reminders::Reminders::default(),
            created_at: now,
            updated_at: now,
            completed_at: None,
            version: 1,
            dav: fields.dav.clone().unwrap_or_default(),
        };
        task.set_completed(fields.completed.unwrap_or(false), now);
        task.set_recurrence(fields.recurrence);
        task.reminders = Reminders::set(fields.reminders.unwrap_or_default(), user_id);
        let mut zone = None;
        self.settle(user_id, &mut zone, &mut task, None, now)
            .await?;
        self.set_due_key(user_id, &mut zone, &mut task, None)
            .await?;
        self.schedule_reminders(user_id, &mut zone, &mut task, None, now)
            .await?;
        // The store checks the right again, in the insert (it may have just been taken).
        if !self.store.task_insert(user_id, &task).await? {
            return Err(no_list());
        }
        Ok(task)
    }

    /// One of the tasks `user_id` sees.
    pub async fn get(&self, user_id: Uuid, id: Uuid) -> AppResult<Task> {
        Ok(self.with_role(user_id, id).await?.0)
    }

    /// A task `user_id` sees, with their role in its list.
    pub(super) async fn with_role(&self, user_id: Uuid, id: Uuid) -> AppResult<(Task, Role)> {
        self.store
            .task_get(user_id, id)
            .await?
            .ok_or_else(not_found)
    }

    /// A task `user_id` may change, as it is now, if it meets `precondition`: `404` when
    /// they do not see it, `403` when they only view it, `412` when it moved on.
    pub(super) async fn current(
        &self,
        user_id: Uuid,
        id: Uuid,
        precondition: Option<&Precondition>,
    ) -> AppResult<Task> {
        let (task, role) = self.with_role(user_id, id).await?;
        if !role.can_write_tasks() {
            return Err(read_only());
        }
        if precondition.is_some_and(|p| !p.holds(task.version)) {
            return Err(stale());
        }
        Ok(task)
    }

    /// Applies `change` to the task under optimistic concurrency. `change` returns
    /// whether it changed anything; an unchanged task is returned as it is, not rewritten.
    /// A task that moves needs the right to write in its new list too. Completing a
    /// recurring task records the occurrence in the same write.
    async fn modify(
        &self,
        user_id: Uuid,
        id: Uuid,
        precondition: Option<&Precondition>,
        change: impl Fn(&mut Task, OffsetDateTime) -> AppResult<bool>,
    ) -> AppResult<Task> {
        self.modify_in(user_id, None, id, precondition, change)
            .await
    }

    /// [`Tasks::modify`] by a user whose zone the caller may already know (`zone`), so
    /// that it is read at most once.
    pub(super) async fn modify_in(
        &self,
        user_id: Uuid,
        mut zone: Option<String>,
        id: Uuid,
        precondition: Option<&Precondition>,
        change: impl Fn(&mut Task, OffsetDateTime) -> AppResult<bool>,
    ) -> AppResult<Task> {
        for _ in 0..ATTEMPTS {
            let current = self.current(user_id, id, precondition).await?;
            let now = now();
            let mut next = current.clone();
            if !change(&mut next, now)? {
                return Ok(current);
            }
            if next.list_id != current.list_id {
                self.may_write_in(user_id, next.list_id).await?;
            }
            let occurrence = self
                .settle(user_id, &mut zone, &mut next, Some(&current), now)
                .await?;
            self.follow(user_id, &mut zone, &mut next, &current, now)
                .await?;
            let history = occurrence.as_ref().map_or(History::Keep, History::Record);
            if self
                .store
                .task_update(user_id, &next, current.version, history)
                .await?
            {
                return Ok(next);
            }
            // Changed (or deleted, or access taken) between our read and our write.
            if precondition.is_some() {
                return Err(stale());
            }
        }
        Err(busy())
    }

    /// Replaces every writable field (`PUT`): omitted optional fields reset to defaults;
    /// completion is kept unless `completed` is given.
    pub async fn replace(
        &self,
        user_id: Uuid,
        id: Uuid,
        fields: TaskFields,
        precondition: Option<&Precondition>,
    ) -> AppResult<Task> {
        self.modify(user_id, id, precondition, |t, now| {
            t.title = fields.title.as_str().to_owned();
            t.description = fields.description.as_str().to_owned();
            t.priority = fields.priority;
            t.tags = fields.tags.as_slice().to_vec();
            t.set_recurrence(fields.recurrence.clone());
            if let Some(reminders) = &fields.reminders {
                t.reminders.replace(reminders.clone(), user_id);
            }
            t.set_due_by_user(fields.due_at, fields.due_date);
            if let Some(c) = fields.completed {
                t.set_completed(c, now);
            }
            if let Some(list_id) = fields.list_id {
                t.list_id = list_id;
            }
            Ok(true)
        })
        .await
    }

    /// Changes the fields present in `patch` (`PATCH`).
    pub async fn patch(
        &self,
        user_id: Uuid,
        id: Uuid,
        patch: TaskPatch,
        precondition: Option<&Precondition>,
    ) -> AppResult<Task> {
        if patch.is_empty() {
            return self.current(user_id, id, precondition).await;
        }
        self.modify(user_id, id, precondition, |t, now| {
            if let Some(title) = &patch.title {
                t.title = title.as_str().to_owned();
            }
            if let Some(d) = &patch.description {
                t.description = d.as_str().to_owned();
            }
            if let Some(p) = patch.priority {
                t.priority = p;
            }
            if let Some(recurrence) = &patch.recurrence {
                t.set_recurrence(recurrence.clone());
            }
            if let Some(reminders) = &patch.reminders {
                t.reminders.replace(reminders.clone(), user_id);
            }
            let (mut due_at, mut due_date) = (t.due_at, t.due_date);
            if let Some(date) = patch.due_date {
                due_date = date;
                if date.is_some() {
                    due_at = None;
                }
            }
            if let Some(due) = patch.due_at {
                due_at = due;
                if due.is_some() {
                    due_date = None;
                }
            }
            t.set_due_by_user(due_at, due_date);
            if let Some(tags) = &patch.tags {
                t.tags = tags.as_slice().to_vec();
            }
            if let Some(c) = patch.completed {
                t.set_completed(c, now);
            }
            if let Some(list_id) = patch.list_id {
                t.list_id = list_id;
            }
            Ok(true)
        })
        .await
    }

    /// Toggles completion, or sets it when `completed` is given.
    pub async fn complete(
        &self,
        user_id: Uuid,
        id: Uuid,
        completed: Option<bool>,
        precondition: Option<&Precondition>,
    ) -> AppResult<Task> {
        self.modify(user_id, id, precondition, |t, now| {
            let target = completed.unwrap_or(!t.completed);
            t.set_completed(target, now);
            Ok(true)
        })
        .await
    }

    /// Deletes a task of a list the user may write in: it is gone for every reader at
    /// once, and `user_id` may restore it for [`super::undo::UNDO_WINDOW`]
    /// ([`Tasks::restore`]).
    pub async fn delete(
        &self,
        user_id: Uuid,
        id: Uuid,
        precondition: Option<&Precondition>,
    ) -> AppResult<()> {
        for _ in 0..ATTEMPTS {
            let current = self.current(user_id, id, precondition).await?;
            if self
                .store
                .task_delete(user_id, id, current.version, now())
                .await?
            {
                return Ok(());
            }
            if precondition.is_some() {
                return Err(stale());
            }
        }
        Err(busy())
    }

    /// The tags on the tasks of every list the user sees, in order, at most `limit`.
    pub async fn tag_names(&self, user_id: Uuid, limit: u32) -> AppResult<Vec<String>> {
        Ok(self.store.task_tag_names(user_id, limit).await?)
    }

    /// One page of the tasks of every list the user sees, or of `query.list`.
    pub async fn list(&self, user_id: Uuid, query: &ListQuery) -> AppResult<Page> {
        let resolved;
        let query = match query.due {
            Some(window) => {
                let mut q = query.clone();
                q.due_bounds = Some(self.due_bounds(user_id, window, now()).await?);
                resolved = q;
                &resolved
            }
            None => query,
        };
        let (tasks, total) =
            self.store.task_list(user_id, query).await?.ok_or_else(|| {
                AppError::NotFound("there is no list with this id (`list`)".into())
            })?;
        Ok(Page::of(tasks, total, query))
    }
}
