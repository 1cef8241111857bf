//! The task API's wire format: the request bodies (read by these very types, and
//! documented from them) and the task as clients see it.

use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::wire::{Fields, body};
use crate::error::FieldError;
use crate::tasks::model::{
    Description, MAX_TAGS, Priority, Tags, Task, TaskFields, TaskPatch, TaskTitle,
};
use crate::tasks::recurring::{Occurrence, RecurrenceSpec};
use crate::tasks::reminders::Reminder;
use crate::timestamp::{format_day, parse_day, parse_timestamp};

use super::wire_when::{
    RecurrenceInput, RecurrenceView, ReminderInput, ReminderView, recurrence, reminders,
};

mod json;
pub use json::write_page;

body! {
    /// The fields of a task, for `POST` and `PUT` (a full replacement: an omitted field
    /// takes its default: no description, `medium`, no due date, no tags). Unknown
    /// members are ignored.
    pub struct TaskInput {
        /// 1 to 200 characters after trimming, one line.
        #[schema(required, min_length = 1, max_length = 200, example = "Buy milk")]
        title: String,
        /// 0 to 2000 characters; `null` or absent is none.
        #[schema(nullable, max_length = 2000, example = "Two litres, semi-skimmed")]
        description: String,
        /// `medium` when `null` or absent.
        #[schema(nullable)]
        priority: Priority,
        /// When the task is due (RFC 3339, stored in UTC); `null` or absent is none.
        #[schema(nullable, format = DateTime, example = "2026-11-30T17:00:00Z")]
        due_at: String,
        /// Due all day on this date (`YYYY-MM-DD`, in the user's time zone); `null` or
        /// absent is none. Not together with `due_at`.
        #[schema(nullable, format = Date, example = "2026-12-24")]
        due_date: String,
        /// At most 10 tags of 1 to 32 characters; trimmed, lower-cased, de-duplicated.
        #[schema(nullable, max_items = 10, example = json!(["home", "errands"]))]
        tags: Vec<String>,
        /// Repeat the task (it needs a due); `null` or absent: it does not recur.
        /// Completing a recurring task records the occurrence and moves its due on.
        #[schema(nullable)]
        recurrence: RecurrenceInput,
        /// At most 5 reminders, sent to the caller's notification channels; `null` or
        /// absent: none.
        #[schema(nullable, max_items = 5)]
        reminders: Vec<ReminderInput>,
        /// Done or not: `POST` may create a done task; `PUT` keeps the completion when
        /// absent.
        completed: bool,
        /// The list: `POST` creates the task there (`null` or absent: the caller's
        /// inbox); `PUT` moves it there (`null` or absent: it stays). Needs editor rights
        /// on the list (and on the task's list, to move it).
        #[schema(nullable, format = Uuid)]
        list_id: String,
    }
}

body! {
    /// A partial change for `PATCH`: any subset of the fields. `null` clears a field
    /// (description to none, priority to `medium`, due date and tags to none).
    pub struct TaskChanges {
        /// 1 to 200 characters after trimming, one line.
        #[schema(min_length = 1, max_length = 200, example = "Buy oat milk")]
        title: String,
        /// 0 to 2000 characters.
        #[schema(nullable, max_length = 2000)]
        description: String,
        /// The priority; `null` resets it to `medium`.
        #[schema(nullable)]
        priority: Priority,
        /// When the task is due (RFC 3339); `null` removes it. Setting it removes
        /// `due_date`.
        #[schema(nullable, format = DateTime)]
        due_at: String,
        /// Due all day on this date (`YYYY-MM-DD`); `null` removes it. Setting it removes
        /// `due_at`.
        #[schema(nullable, format = Date)]
        due_date: String,
        /// The new tags; `null` removes them all.
        #[schema(nullable, max_items = 10)]
        tags: Vec<String>,
        /// The new recurrence (the task needs a due); `null` stops it recurring.
        #[schema(nullable)]
        recurrence: RecurrenceInput,
        /// The new reminders (at most 5), sent to the caller's channels; `null` or `[]`
        /// removes them.
        #[schema(nullable, max_items = 5)]
        reminders: Vec<ReminderInput>,
        /// Done or not: completing a recurring task records the occurrence and moves
        /// its due on.
        completed: bool,
        /// Move the task to this list (editor rights on both lists); `null` keeps it.
        #[schema(nullable, format = Uuid)]
        list_id: String,
    }
}

body! {
    /// The optional body of `PATCH .../complete`: without a body, or without `completed`,
    /// the task is toggled.
    pub struct Completion {
        /// Done or not.
        #[schema(example = true)]
        completed: bool,
    }
}

/// The members every task body has, read into domain values.
struct Members {
    title: Option<Option<TaskTitle>>,
    description: Option<Option<Description>>,
    priority: Option<Option<Priority>>,
    due_at: Option<Option<Option<OffsetDateTime>>>,
    due_date: Option<Option<Option<Date>>>,
    tags: Option<Option<Tags>>,
    recurrence: Option<Option<Option<RecurrenceSpec>>>,
    reminders: Option<Option<Vec<Reminder>>>,
    completed: Option<Option<bool>>,
    list_id: Option<Option<Option<Uuid>>>,
}

/// An all-day due: `YYYY-MM-DD`.
fn due_date(raw: String) -> Result<Option<Date>, FieldError> {
    parse_day("due_date", &raw).map(Some)
}

/// At most one due per body.
fn one_due(
    f: &mut Fields,
    at: &Option<Option<Option<OffsetDateTime>>>,
    date: &Option<Option<Option<Date>>>,
) {
    if matches!((at, date), (Some(Some(Some(_))), Some(Some(Some(_))))) {
        f.reject(FieldError::new(
            "due_date",
            "cannot be given together with due_at: a task is due at an instant or on a day",
        ));
    }
}

fn list_id(raw: String) -> Result<Option<Uuid>, FieldError> {
    Uuid::parse_str(raw.trim())
        .map(Some)
        .map_err(|_| FieldError::new("list_id", "must be the id of a list"))
}

fn tags(raw: Vec<String>) -> Result<Tags, FieldError> {
    // Refuse absurd lists before normalising them.
    if raw.len() > MAX_TAGS * 10 {
        return Err(FieldError::new(
            "tags",
            format!("must hold at most {MAX_TAGS} tags"),
        ));
    }
    Tags::parse(&raw)
}

impl TaskChanges {
    /// Reads every member, `null` clearing the nullable ones.
    fn members(self, f: &mut Fields) -> Members {
        let title = f.optional("title", self.title, None, |t| TaskTitle::parse(&t));
        let description = f.optional(
            "description",
            self.description,
            Some(Description::default()),
            |d| Description::parse(&d),
        );
        let priority = f.optional("priority", self.priority, Some(Priority::default()), Ok);
        let due_at = f.optional("due_at", self.due_at, Some(None), |t| {
            parse_timestamp("due_at", &t).map(Some)
        });
        let due_date = f.optional("due_date", self.due_date, Some(None), due_date);
        one_due(f, &due_at, &due_date);
        Members {
            title,
            description,
            priority,
            due_at,
            due_date,
            tags: f.optional("tags", self.tags, Some(Tags::default()), tags),
            recurrence: f.optional("recurrence", self.recurrence, Some(None), recurrence),
            reminders: f.optional("reminders", self.reminders, Some(Vec::new()), reminders),
            completed: f.optional("completed", self.completed, None, Ok),
            list_id: f.optional("list_id", self.list_id, Some(None), list_id),
        }
    }

    /// The change, or one error per invalid member.
    pub fn into_patch(self) -> Result<TaskPatch, Vec<FieldError>> {
        let mut f = Fields::new();
        let m = self.members(&mut f);
        let patch = (|| {
            Some(TaskPatch {
                title: m.title?,
                description: m.description?,
                priority: m.priority?,
                due_at: m.due_at?,
                due_date: m.due_date?,
                tags: m.tags?,
                recurrence: m.recurrence?,
                reminders: m.reminders?,
                completed: m.completed?,
                list_id: m.list_id?.flatten(),
            })
        })();
        f.finish(patch)
    }
}

impl TaskInput {
    /// All the fields, with defaults for those omitted, or one error per invalid member.
    pub fn into_fields(self) -> Result<TaskFields, Vec<FieldError>> {
        let mut f = Fields::new();
        let title = f.required("title", self.title, |t| TaskTitle::parse(&t));
        let m = TaskChanges {
            title: Default::default(),
            description: self.description,
            priority: self.priority,
            due_at: self.due_at,
            due_date: self.due_date,
            tags: self.tags,
            recurrence: self.recurrence,
            reminders: self.reminders,
            completed: self.completed,
            list_id: self.list_id,
        }
        .members(&mut f);
        let fields = (|| {
            Some(TaskFields {
                title: title?,
                description: m.description?.unwrap_or_default(),
                priority: m.priority?.unwrap_or_default(),
                due_at: m.due_at?.flatten(),
                due_date: m.due_date?.flatten(),
                tags: m.tags?.unwrap_or_default(),
                recurrence: m.recurrence?.flatten(),
                reminders: Some(m.reminders?.unwrap_or_default()),
                completed: m.completed?,
                list_id: m.list_id?.flatten(),
                dav: None,
            })
        })();
        f.finish(fields)
    }
}

/// A task as clients see it. Every response carrying one has its `ETag`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Task, example = json!({"id": "019ab8d2-7f10-7c3e-b2d4-5a6b7c8d9e0f",
    "user_id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64",
    "list_id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64", "title": "Buy milk", "description": "",
    "completed": false, "priority": "high", "due_at": "2026-11-30T17:00:00Z", "due_date": null, "tags": ["home"], "recurrence": null, "reminders": [{"before": "PT30M"}],
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "completed_at": null}))]
pub struct TaskView {
    id: Uuid,
    /// The user who created the task.
    user_id: Uuid,
    /// The list the task is in.
    list_id: Uuid,
    title: String,
    /// Possibly empty.
    description: String,
    completed: bool,
    priority: Priority,
    /// When the task is due; `null` for none.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime, required)]
    due_at: Option<OffsetDateTime>,
    /// The day the task is due all day (`YYYY-MM-DD`); `null` for none. At most one of
    /// `due_at` and `due_date` is set.
    #[schema(value_type = Option<String>, format = Date, required)]
    due_date: Option<String>,
    /// Normalised: trimmed, lower-cased, de-duplicated.
    tags: Vec<String>,
    /// How the task repeats; `null` if it does not.
    #[schema(nullable, required)]
    recurrence: Option<RecurrenceView>,
    /// The reminders (empty for none).
    reminders: Vec<ReminderView>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    updated_at: OffsetDateTime,
    /// When the task was completed, while it is; else `null`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime, required)]
    completed_at: Option<OffsetDateTime>,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            user_id: t.user_id,
            list_id: t.list_id,
            title: t.title,
            description: t.description,
            completed: t.completed,
            priority: t.priority,
            due_at: t.due_at,
            due_date: t.due_date.map(format_day),
            tags: t.tags,
            recurrence: t.recurrence.map(|r| RecurrenceView::from(r.spec)),
            reminders: t
                .reminders
                .items
                .into_iter()
                .map(ReminderView::from)
                .collect(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            completed_at: t.completed_at,
        }
    }
}

/// One completed occurrence of a recurring task: the due it had (one of `due_at` and
/// `due_date`), when and by whom it was completed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Occurrence, example = json!({"due_at": null, "due_date": "2026-12-07",
    "completed_at": "2026-12-07T18:02:11Z", "completed_by": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64"}))]
pub struct OccurrenceView {
    /// The instant it was due; `null` for an all-day task.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime, required)]
    due_at: Option<OffsetDateTime>,
    /// The day it was due (`YYYY-MM-DD`); `null` for a timed task.
    #[schema(value_type = Option<String>, format = Date, required)]
    due_date: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    completed_at: OffsetDateTime,
    /// The user who completed it.
    completed_by: Uuid,
}

impl From<Occurrence> for OccurrenceView {
    fn from(o: Occurrence) -> Self {
        Self {
            due_at: o.due_at,
            due_date: o.due_date.map(format_day),
            completed_at: o.completed_at,
            completed_by: o.completed_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::strategy::Strategy as _;
    use serde_json::json;

    use super::*;

    fn fields(body: serde_json::Value) -> Result<TaskFields, Vec<FieldError>> {
        serde_json::from_value::<TaskInput>(body)
            .expect("any object reads")
            .into_fields()
    }

    fn patch(body: serde_json::Value) -> Result<TaskPatch, Vec<FieldError>> {
        serde_json::from_value::<TaskChanges>(body)
            .expect("any object reads")
            .into_patch()
    }

    #[test]
    fn full_input_takes_defaults_and_reports_every_bad_field() {
        let f = fields(json!({"title": "x"})).expect("valid");
        assert_eq!(f.priority, Priority::Medium);
        assert_eq!(f.description.as_str(), "");
        assert!(f.tags.as_slice().is_empty());
        assert_eq!(f.due_at, None);
        let errors = fields(json!({
            "title": "", "description": 5, "priority": "urgent", "due_at": "soon", "tags": "a",
            "completed": "yes"
        }))
        .expect_err("invalid");
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "title",
                "description",
                "priority",
                "due_at",
                "tags",
                "completed"
            ]
        );
        assert_eq!(
            crate::http::parse_json::<TaskInput>(b"[]")
                .expect_err("not an object")
                .into_field_errors()[0]
                .field,
            "body"
        );
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let p = patch(json!({"due_at": null, "tags": null})).expect("valid");
        assert_eq!(p.due_at, Some(None));
        assert_eq!(p.tags, Some(Tags::default()));
        assert_eq!(p.title, None);
        assert!(patch(json!({})).expect("valid").is_empty());
        assert_eq!(
            patch(json!({"title": null})).expect_err("null title")[0].field,
            "title"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn task_bodies_never_panic_whatever_json_arrives(
            json in proptest::collection::vec(proptest::prelude::any::<char>(), 0..200)
                .prop_map(|c| c.into_iter().collect::<String>())
        ) {
            if let Ok(body) = crate::http::parse_json::<TaskInput>(json.as_bytes()) {
                let _ = body.into_fields();
            }
            if let Ok(body) = crate::http::parse_json::<TaskChanges>(json.as_bytes()) {
                let _ = body.into_patch();
            }
        }
    }

    #[test]
    fn a_task_is_documented_with_every_member_required() {
        let schema =
            serde_json::to_value(<TaskView as utoipa::PartialSchema>::schema()).expect("json");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let members = schema["properties"].as_object().expect("properties");
        assert_eq!(required.len(), members.len(), "{schema}");
        assert_eq!(schema["properties"]["id"]["format"], "uuid");
    }
}
