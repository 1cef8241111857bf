//! The CalDAV service (issue 18, API-2.md section 4): a user's lists as calendar
//! collections of `VTODO`s, each task a resource rendered by [`super::vtodo`], with an
//! entity tag that is a hash of what is rendered; writes go through the task and list
//! services, so that they follow the same rules as the API (rights, recurrence,
//! reminders, optimistic concurrency, the trash).

use std::sync::Arc;

use uuid::Uuid;

use super::service::etag_of;
use super::vtodo::{self, TodoError};
use crate::error::{AppError, AppResult};
use crate::lists::model::{List, ListColor, ListName, Role};
use crate::lists::service::{ListChange, Lists};
use crate::precondition::Precondition;
use crate::store::dav::DavChanges;
use crate::store::{DavStore, UserRecord, UserStore};
use crate::tasks::model::Task;
use crate::tasks::service::Tasks;

/// The version of how a task is written as a `VTODO` (`calendars/vtodo/`): bump it when a
/// change there changes what existing tasks look like, so that their entity tags change.
pub const RENDERING: &str = "taskward-vtodo-1";

/// The longest resource name a client may choose.
const MAX_NAME: usize = 255;

/// An `If-Match` or `If-None-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// `*`: any current resource.
    Any,
    /// These entity tags (quoted, as sent).
    Tags(Vec<String>),
}

impl Match {
    fn matches(&self, etag: Option<&str>) -> bool {
        match (self, etag) {
            (_, None) => false,
            (Self::Any, Some(_)) => true,
            (Self::Tags(tags), Some(etag)) => tags.iter().any(|t| t == etag),
        }
    }
}

/// The conditions of a write.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// `If-Match`.
    pub if_match: Option<Match>,
    /// `If-None-Match`.
    pub if_none_match: Option<Match>,
}

impl Conditions {
    /// Whether a write may go ahead on a resource whose entity tag is `etag` (`None`:
    /// there is none).
    fn hold(&self, etag: Option<&str>) -> bool {
        self.if_match.as_ref().is_none_or(|m| m.matches(etag))
            && self.if_none_match.as_ref().is_none_or(|m| !m.matches(etag))
    }
}

/// Why a `PUT` was refused.
#[derive(Debug)]
pub enum PutError {
    /// The body is not a calendar object Taskward can take.
    Todo(TodoError),
    /// The rules of the API refused it (rights, limits, conditions).
    App(AppError),
    /// Another resource of the collection has the body's `UID` (`no-uid-conflict`): its
    /// name.
    UidTaken(String),
}

impl From<AppError> for PutError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

/// What a `PUT` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// A new task.
    Created,
    /// An existing task changed.
    Updated,
}

/// CalDAV for every user.
#[derive(Clone)]
pub struct CalDav {
    store: Arc<dyn DavStore>,
    users: Arc<dyn UserStore>,
    tasks: Tasks,
    lists: Lists,
}

fn stale() -> AppError {
    AppError::PreconditionFailed(
        "the resource has changed since you read it, or its If-Match/If-None-Match does not hold"
            .into(),
    )
}

fn no_list() -> AppError {
    AppError::NotFound("there is no calendar here".into())
}

/// Whether a client may name a resource so: one path segment of at most 255 bytes, not
/// starting with a dot, without control characters (PostgreSQL's text holds no NUL).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.contains('/')
        && !name.starts_with('.')
        && !name.chars().any(char::is_control)
}

/// Checks a resource name a client chose ([`valid_name`]).
fn check_name(name: &str) -> AppResult<()> {
    if !valid_name(name) {
        return Err(AppError::Forbidden(
            "a resource name is one path segment of at most 255 bytes, not starting with a \
             dot, without control characters"
                .into(),
        ));
    }
    Ok(())
}

/// A colour as calendar apps send it (`#rrggbbaa` from Apple): its `#rrggbb`, if valid.
fn colour(raw: &str) -> Option<ListColor> {
    ListColor::parse(raw.get(..7).unwrap_or(raw)).ok()
}

impl CalDav {
    /// The service over the store's CalDAV reads and the task and list services.
    pub fn new(
        store: Arc<dyn DavStore>,
        users: Arc<dyn UserStore>,
        tasks: Tasks,
        lists: Lists,
    ) -> Self {
        Self {
            store,
            users,
            tasks,
            lists,
        }
    }

    /// The IANA zone `user_id`'s resources are written in.
    pub async fn zone(&self, user_id: Uuid) -> AppResult<String> {
        self.tasks.zone_of(user_id).await
    }

    /// The account of `user_id` (its name and email name its principal).
    pub async fn account(&self, user_id: Uuid) -> AppResult<Option<UserRecord>> {
        Ok(self.users.user_by_id(user_id).await?)
    }

    /// The calendar collections of `user_id`: every list they see.
    pub async fn collections(&self, user_id: Uuid) -> AppResult<Vec<List>> {
        self.lists.all(user_id).await
    }

    /// List `list_id` as `user_id` sees it (`404` otherwise).
    pub async fn collection(&self, user_id: Uuid, list_id: Uuid) -> AppResult<List> {
        self.lists.get(user_id, list_id).await
    }

    /// Task `task` as a `VCALENDAR`, written in `zone`.
    pub fn body(task: &Task, zone: &str) -> String {
        vtodo::write(task, &task.dav, zone)
    }

    /// The strong entity tag of task `task`'s resource written in `zone`, without writing
    /// it: a hash of what the writing depends on. The body is a function of the task and
    /// the zone alone, and every change of a task moves its version and its last-change
    /// time (written as `LAST-MODIFIED`), so the tag changes exactly when the body does;
    /// [`RENDERING`] changes it for every task when the writing itself changes. A report
    /// over 10 000 tasks asking only for tags then writes none (docs/benchmarks.md).
    pub fn etag(task: &Task, zone: &str) -> String {
        etag_of(&format!(
            "{RENDERING}\n{zone}\n{}\n{}\n{}",
            task.id,
            task.version,
            task.updated_at.unix_timestamp_nanos()
        ))
    }

    /// The resource name of a task in its collection.
    pub fn name_of(task: &Task) -> String {
        task.dav
            .name
            .clone()
            .unwrap_or_else(|| format!("{}.ics", task.id))
    }

    /// The changes of list `list_id` after count `since` (every task with 0), and the
    /// zone `user_id`'s resources are written in.
    pub async fn changes(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        since: i64,
    ) -> AppResult<(DavChanges, String)> {
        let changes = async {
            self.store
                .dav_changes(user_id, list_id, since)
                .await?
                .ok_or_else(no_list)
        };
        tokio::try_join!(changes, self.zone(user_id))
    }

    /// The task at `name` in list `list_id`, with `user_id`'s role.
    pub async fn find(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: &str,
    ) -> AppResult<Option<(Task, Role)>> {
        if !valid_name(name) {
            return Ok(None);
        }
        Ok(self.store.dav_find(user_id, list_id, name).await?)
    }

    /// Writes `body` at `name` in list `list_id` as `user_id`, if `conditions` hold.
    pub async fn put(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: &str,
        body: &[u8],
        conditions: &Conditions,
    ) -> Result<Put, PutError> {
        check_name(name)?;
        let zone = self.zone(user_id).await?;
        let current = self.find(user_id, list_id, name).await?;
        let etag = current.as_ref().map(|(task, _)| Self::etag(task, &zone));
        if !conditions.hold(etag.as_deref()) {
            return Err(stale().into());
        }
        let todo = vtodo::read_bytes(body, &zone).map_err(PutError::Todo)?;
        let mut fields = todo.fields;
        let mut dav = todo.dav;
        match current {
            Some((task, _)) => {
                let uid = task.dav.uid.clone().unwrap_or_else(|| task.id.to_string());
                if dav.uid.as_deref().is_some_and(|u| u != uid) {
                    return Err(PutError::Todo(TodoError::Object(
                        "the UID of a resource cannot change: write a new resource instead".into(),
                    )));
                }
                vtodo::align(&mut fields, &task, &zone);
                dav.name = task.dav.name.clone();
                if dav.uid.as_deref() == Some(task.id.to_string().as_str()) {
                    dav.uid = None;
                }
                fields.list_id = None;
                fields.dav = Some(dav);
                let version = Precondition::Versions(vec![task.version]);
                self.tasks
                    .replace(user_id, task.id, fields, Some(&version))
                    .await
                    .map_err(|e| match e {
                        AppError::PreconditionFailed(_) => stale(),
                        e => e,
                    })?;
                Ok(Put::Updated)
            }
            None => {
                self.collection(user_id, list_id).await?;
                if let Some(taken) = self
                    .store
                    .dav_uid_taken(user_id, list_id, &todo.uid)
                    .await
                    .map_err(AppError::from)?
                {
                    return Err(PutError::UidTaken(taken));
                }
                dav.name = Some(name.to_owned());
                fields.list_id = Some(list_id);
                fields.dav = Some(dav);
                self.tasks.create(user_id, fields).await?;
                Ok(Put::Created)
            }
        }
    }

    /// Deletes the task at `name` in list `list_id` as `user_id` (through the trash, as
    /// the API deletes), if `conditions` hold.
    pub async fn delete(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: &str,
        conditions: &Conditions,
    ) -> AppResult<()> {
        let Some((task, _)) = self.find(user_id, list_id, name).await? else {
            return Err(AppError::NotFound("there is no resource here".into()));
        };
        if conditions.if_match.is_some() || conditions.if_none_match.is_some() {
            let zone = self.zone(user_id).await?;
            let etag = Self::etag(&task, &zone);
            if !conditions.hold(Some(&etag)) {
                return Err(stale());
            }
        }
        let version = Precondition::Versions(vec![task.version]);
        self.tasks
            .delete(user_id, task.id, Some(&version))
            .await
            .map_err(|e| match e {
                AppError::PreconditionFailed(_) => stale(),
                e => e,
            })
    }

    /// Makes a list named `name` (a calendar collection) with the id `id` the client put
    /// in its path.
    pub async fn make(
        &self,
        user_id: Uuid,
        id: Uuid,
        name: &str,
        color: Option<&str>,
    ) -> AppResult<List> {
        let name = ListName::parse(name).map_err(|e| AppError::Validation(vec![e]))?;
        let color = color.and_then(colour);
        self.lists.create_at(user_id, id, name, color).await
    }

    /// Renames or recolours list `list_id` (`PROPPATCH`), as its owner.
    pub async fn change(
        &self,
        user_id: Uuid,
        list_id: Uuid,
        name: Option<&str>,
        color: Option<Option<&str>>,
    ) -> AppResult<List> {
        let name = name
            .map(ListName::parse)
            .transpose()
            .map_err(|e| AppError::Validation(vec![e]))?;
        let color = color.map(|c| c.and_then(colour));
        let change = ListChange {
            name,
            color,
            position: None,
            archived: None,
        };
        self.lists.change(user_id, list_id, &change, None).await
    }
}
