//! What the MCP tools take and give: input structs with their JSON Schemas (`schemars`),
//! read into the domain's values with the API's checks and messages, and the task and
//! list as the tools answer them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::answer::{Tree, array, object, string_or_null};

use crate::error::{AppError, FieldError};
use crate::lists::model::List;
use crate::tasks::model::{Description, Priority, Tags, Task, TaskFields, TaskPatch, TaskTitle};
use crate::timestamp::{parse_day, parse_timestamp};

/// `list_tasks`: the list query's filters, as the API's `GET /api/tasks` reads them.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListTasks {
    /// Only the tasks of this list (its id).
    pub list_id: Option<String>,
    /// `all` (default), `pending` or `completed`.
    pub status: Option<String>,
    /// Only tasks with this tag.
    pub tag: Option<String>,
    /// Words in the title or description.
    pub q: Option<String>,
    /// `overdue`, `today`, `upcoming` or `none`, in the user's time zone.
    pub due: Option<String>,
    /// The order: `created_at`, `updated_at`, `due_at`, `priority` or `title`, with a
    /// leading `-` for descending.
    pub sort: Option<String>,
    /// How many, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous answer, for the next page.
    pub cursor: Option<String>,
}

/// A task's id.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TaskRef {
    /// The task's id.
    pub id: String,
}

/// `add_task`: the fields, or `text` in the quick-add grammar ("Pay rent every month on
/// the 1st #home !high").
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AddTask {
    /// A line of quick-add text; the other fields are then not given.
    pub text: Option<String>,
    /// The title (1 to 200 characters).
    pub title: Option<String>,
    /// Notes (up to 2000 characters).
    pub description: Option<String>,
    /// `low`, `medium` (default) or `high`.
    pub priority: Option<String>,
    /// Due at this instant (RFC 3339, e.g. `2026-12-24T09:00:00Z`).
    pub due_at: Option<String>,
    /// Due on this day, all day (`2026-12-24`).
    pub due_date: Option<String>,
    /// Tags (at most 10).
    pub tags: Option<Vec<String>>,
    /// The list to put it in (default: the inbox).
    pub list_id: Option<String>,
}

/// `update_task`: the fields to change; the others stay.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct UpdateTask {
    /// The task's id.
    pub id: String,
    /// A new title.
    pub title: Option<String>,
    /// New notes.
    pub description: Option<String>,
    /// `low`, `medium` or `high`.
    pub priority: Option<String>,
    /// A new due instant (RFC 3339).
    pub due_at: Option<String>,
    /// A new all-day due (`2026-12-24`).
    pub due_date: Option<String>,
    /// New tags (replacing them all).
    pub tags: Option<Vec<String>>,
    /// Move it to this list.
    pub list_id: Option<String>,
}

/// `complete_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CompleteTask {
    /// The task's id.
    pub id: String,
    /// `true` (default) to complete it, `false` to reopen it. A recurring task moves on
    /// to its next due.
    pub completed: Option<bool>,
}

/// A task as the tools answer it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskOut {
    pub id: Uuid,
    pub list_id: Uuid,
    pub title: String,
    pub description: String,
    pub completed: bool,
    /// `low`, `medium` or `high`.
    pub priority: String,
    /// RFC 3339.
    pub due_at: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub tags: Vec<String>,
    /// The RRULE of a recurring task.
    pub recurrence: Option<String>,
    /// The version, for `update_task` after a read.
    pub version: i64,
}

impl From<Task> for TaskOut {
    fn from(t: Task) -> Self {
        let rfc = |at: time::OffsetDateTime| {
            at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        Self {
            id: t.id,
            list_id: t.list_id,
            priority: t.priority.as_str().to_owned(),
            due_at: t.due_at.map(rfc),
            due_date: t.due_date.map(|d| d.to_string()),
            recurrence: t.recurrence.as_ref().map(|r| r.spec.rule.to_string()),
            title: t.title,
            description: t.description,
            completed: t.completed,
            tags: t.tags,
            version: t.version,
        }
    }
}

/// A UUID as its string (hyphenated, lower case).
fn uuid(id: Uuid) -> Value {
    Value::String(
        id.hyphenated()
            .encode_lower(&mut Uuid::encode_buffer())
            .to_owned(),
    )
}

impl Tree for TaskOut {
    fn tree(self) -> Value {
        object([
            ("completed", Value::Bool(self.completed)),
            ("description", Value::String(self.description)),
            ("due_at", string_or_null(self.due_at)),
            ("due_date", string_or_null(self.due_date)),
            ("id", uuid(self.id)),
            ("list_id", uuid(self.list_id)),
            ("priority", Value::String(self.priority)),
            ("recurrence", string_or_null(self.recurrence)),
            (
                "tags",
                Value::Array(self.tags.into_iter().map(Value::String).collect()),
            ),
            ("title", Value::String(self.title)),
            ("version", Value::from(self.version)),
        ])
    }
}

/// One page of tasks.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskPage {
    pub tasks: Vec<TaskOut>,
    /// All matches, on every page.
    pub total: u64,
    /// Give it as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

impl Tree for TaskPage {
    fn tree(self) -> Value {
        object([
            ("next_cursor", string_or_null(self.next_cursor)),
            ("tasks", array(self.tasks)),
            ("total", Value::from(self.total)),
        ])
    }
}

/// One task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OneTask {
    pub task: TaskOut,
}

impl Tree for OneTask {
    fn tree(self) -> Value {
        object([("task", self.task.tree())])
    }
}

/// A list as the tools answer it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOut {
    pub id: Uuid,
    pub name: String,
    /// `owner`, `editor` or `viewer`.
    pub role: String,
    pub pending: u64,
    pub is_inbox: bool,
}

impl From<&List> for ListOut {
    fn from(l: &List) -> Self {
        Self {
            id: l.id,
            name: l.name.clone(),
            role: l.role.as_str().to_owned(),
            pending: l.pending_count,
            is_inbox: l.is_inbox,
        }
    }
}

impl Tree for ListOut {
    fn tree(self) -> Value {
        object([
            ("id", uuid(self.id)),
            ("is_inbox", Value::Bool(self.is_inbox)),
            ("name", Value::String(self.name)),
            ("pending", Value::from(self.pending)),
            ("role", Value::String(self.role)),
        ])
    }
}

/// The lists.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Lists {
    pub lists: Vec<ListOut>,
}

impl Tree for Lists {
    fn tree(self) -> Value {
        object([("lists", array(self.lists))])
    }
}

/// What a deletion answers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Deleted {
    pub deleted: Uuid,
}

impl Tree for Deleted {
    fn tree(self) -> Value {
        object([("deleted", uuid(self.deleted))])
    }
}

/// An id in a field, else the API's message.
pub fn id_of(field: &str, raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| AppError::from(FieldError::new(field, "must be a UUID")))
}

/// Collects the field errors of several reads.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

impl AddTask {
    /// The fields of a task to create (not from `text`).
    pub fn fields(self) -> Result<TaskFields, AppError> {
        let mut c = Checks::default();
        let title = c.take(TaskTitle::parse(self.title.as_deref().unwrap_or("")));
        let description = c.take(Description::parse(
            self.description.as_deref().unwrap_or(""),
        ));
        let priority = match &self.priority {
            Some(p) => c.take(Priority::parse("priority", p)),
            None => Some(Priority::Medium),
        };
        let due_at = self
            .due_at
            .as_deref()
            .and_then(|d| c.take(parse_timestamp("due_at", d)));
        let due_date = self
            .due_date
            .as_deref()
            .and_then(|d| c.take(parse_day("due_date", d)));
        let tags = c.take(Tags::parse(&self.tags.unwrap_or_default()));
        let list_id = match self.list_id.as_deref() {
            Some(raw) => Some(id_of("list_id", raw)?),
            None => None,
        };
        c.finish()?;
        match (title, description, priority, tags) {
            (Some(title), Some(description), Some(priority), Some(tags)) => Ok(TaskFields {
                title,
                description,
                priority,
                due_at,
                due_date,
                tags,
                recurrence: None,
                reminders: None,
                completed: None,
                list_id,
                dav: None,
            }),
            _ => Err(AppError::invalid("title", "is required")),
        }
    }
}

impl UpdateTask {
    /// The patch (the id is read by the caller).
    pub fn patch(self) -> Result<TaskPatch, AppError> {
        let mut c = Checks::default();
        let mut patch = TaskPatch {
            title: self
                .title
                .as_deref()
                .and_then(|t| c.take(TaskTitle::parse(t))),
            description: self
                .description
                .as_deref()
                .and_then(|d| c.take(Description::parse(d))),
            priority: self
                .priority
                .as_deref()
                .and_then(|p| c.take(Priority::parse("priority", p))),
            tags: self.tags.as_deref().and_then(|t| c.take(Tags::parse(t))),
            ..TaskPatch::default()
        };
        if let Some(d) = self.due_at.as_deref() {
            patch.due_at = c.take(parse_timestamp("due_at", d)).map(Some);
        }
        if let Some(d) = self.due_date.as_deref() {
            patch.due_date = c.take(parse_day("due_date", d)).map(Some);
        }
        if let Some(raw) = self.list_id.as_deref() {
            patch.list_id = Some(id_of("list_id", raw)?);
        }
        c.finish()?;
        Ok(patch)
    }
}
