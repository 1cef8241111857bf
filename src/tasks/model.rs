//! Task values that can only hold valid contents, and the task record itself.

use serde::de::IntoDeserializer as _;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::recurrence::{Recurrence, RecurrenceSpec};
use super::reminders::{Reminder, Reminders};
use crate::error::FieldError;

/// Most characters in a title (after trimming).
pub const MAX_TITLE: usize = 200;
/// Most characters in a description.
pub const MAX_DESCRIPTION: usize = 2000;
/// Most tags on one task.
pub const MAX_TAGS: usize = 10;
/// Most characters in one tag.
pub const MAX_TAG: usize = 32;

/// How urgent a task is. Stored as its rank so that sorting is numeric.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Default,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Rank 1.
    Low,
    /// Rank 2, the default.
    #[default]
    Medium,
    /// Rank 3.
    High,
}

impl Priority {
    /// Parses `low`, `medium` or `high`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        // Through serde: the same names as the document's enum.
        Self::deserialize(raw.into_deserializer()).map_err(|_: serde::de::value::Error| {
            FieldError::new(field, "must be one of low, medium, high")
        })
    }

    /// The stored rank: 1, 2 or 3.
    pub fn rank(self) -> i16 {
        match self {
            Self::Low => 1,
            Self::Medium => 2,
            Self::High => 3,
        }
    }

    /// The inverse of [`Priority::rank`]; unknown ranks read as medium.
    pub fn from_rank(rank: i64) -> Self {
        match rank {
            1 => Self::Low,
            3 => Self::High,
            _ => Self::Medium,
        }
    }

    /// The name clients see.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// A title: trimmed, 1 to 200 characters, one line without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTitle(String);

impl TaskTitle {
    /// Checks a title.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let title = raw.trim();
        if title.is_empty() {
            return Err(FieldError::new("title", "must not be empty"));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(FieldError::new(
                "title",
                format!("must be at most {MAX_TITLE} characters long"),
            ));
        }
        // A title is one line; NUL in particular cannot be stored in PostgreSQL text.
        if title.chars().any(char::is_control) {
            return Err(FieldError::new(
                "title",
                "must not contain control characters",
            ));
        }
        Ok(Self(title.to_owned()))
    }

    /// The title.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A description: 0 to 2000 characters, kept as written (line breaks and tabs allowed,
/// NUL not: PostgreSQL text cannot hold it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Description(String);

impl Description {
    /// Checks a description.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.chars().count() > MAX_DESCRIPTION {
            return Err(FieldError::new(
                "description",
                format!("must be at most {MAX_DESCRIPTION} characters long"),
            ));
        }
        if raw.contains('\0') {
            return Err(FieldError::new(
                "description",
                "must not contain NUL characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tags: at most 10, each trimmed, lower-cased, 1 to 32 characters, no duplicates (the
/// first occurrence keeps its place).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<String>);

impl Tags {
    /// Normalises and checks a list of tags.
    pub fn parse(raw: &[String]) -> Result<Self, FieldError> {
        let mut tags: Vec<String> = Vec::with_capacity(raw.len());
        for (i, tag) in raw.iter().enumerate() {
            let tag = tag.trim().to_lowercase();
            let n = tag.chars().count();
            if n == 0 {
                return Err(FieldError::new(format!("tags[{i}]"), "must not be empty"));
            }
            if n > MAX_TAG {
                return Err(FieldError::new(
                    format!("tags[{i}]"),
                    format!("must be at most {MAX_TAG} characters long"),
                ));
            }
            if tag.chars().any(char::is_control) {
                return Err(FieldError::new(
                    format!("tags[{i}]"),
                    "must not contain control characters",
                ));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(FieldError::new(
                "tags",
                format!("must hold at most {MAX_TAGS} different tags"),
            ));
        }
        Ok(Self(tags))
    }

    /// The tags in order.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Takes the tags out.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// What a CalDAV client (issue 18) gave a task that Taskward's own fields do not hold,
/// kept so that the client gets it back: empty for a task never written over CalDAV.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DavLink {
    /// The resource name the client chose (the last path segment, `.ics` included), when
    /// it is not `<id>.ics`. Stored in a column of its own, to be found by.
    #[serde(skip)]
    pub name: Option<String>,
    /// The client's `UID`, when it is not the task's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The `VTODO`'s content lines Taskward does not map (`X-` properties, `LOCATION`,
    /// `DTSTART`, alarms it cannot express, ...), unfolded, in their order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<String>,
    /// The other components of the calendar object (overrides with a `RECURRENCE-ID`),
    /// unfolded content lines from `BEGIN` to `END`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
    /// `PRIORITY` as the client wrote it (0-9), given back while the task's priority
    /// still maps to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// `STATUS` as the client wrote it when Taskward folds it (`IN-PROCESS`,
    /// `CANCELLED`), given back while the done state still maps to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl DavLink {
    /// Whether nothing is kept besides the name.
    pub fn is_empty(&self) -> bool {
        self.uid.is_none()
            && self.extra.is_empty()
            && self.others.is_empty()
            && self.priority.is_none()
            && self.status.is_none()
    }
}

/// A task as stored and as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// UUIDv7.
    pub id: Uuid,
    /// The user who created it.
    pub user_id: Uuid,
    /// The list it is in (the creator's inbox, whose id is theirs, unless said).
    pub list_id: Uuid,
    /// Title.
    pub title: String,
    /// Description, possibly empty.
    pub description: String,
    /// Done or not.
    pub completed: bool,
    /// Priority.
    pub priority: Priority,
    /// Due at an instant, if any.
    pub due_at: Option<OffsetDateTime>,
    /// Due on a day (all day), if any; never together with `due_at`.
    pub due_date: Option<Date>,
    /// What the due sorts and filters by: `due_at`, or the start of `due_date` in the zone
    /// of the user who set it.
    pub due_key: Option<OffsetDateTime>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// The series, for a recurring task.
    pub recurrence: Option<Recurrence>,
    /// Reminders, and whom they remind.
    pub reminders: Reminders,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When it was last completed, while it is completed.
    pub completed_at: Option<OffsetDateTime>,
    /// Bumped by every change; the ETag.
    pub version: i64,
    /// What a CalDAV client gave it that the fields above do not hold.
    pub dav: DavLink,
}

impl TaskPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Task {
    /// A pending task with no due, tags or reminders, created at `at`: what tests start
    /// from and change.
    #[cfg(test)]
    pub(crate) fn sample(user_id: Uuid, list_id: Uuid, title: &str, at: OffsetDateTime) -> Self {
        Self {
            id: Uuid::now_v7(),
            user_id,
            list_id,
            title: title.into(),
            description: String::new(),
            completed: false,
            priority: Priority::Medium,
            due_at: None,
            due_date: None,
            due_key: None,
            tags: vec![],
            recurrence: None,
            reminders: Reminders::default(),
            created_at: at,
            updated_at: at,
            completed_at: None,
            version: 1,
            dav: DavLink::default(),
        }
    }

    /// Marks the task done or not, keeping `completed_at` consistent.
    pub fn set_completed(&mut self, completed: bool, now: OffsetDateTime) {
        if completed && !self.completed {
            self.completed_at = Some(now);
        } else if !completed {
            self.completed_at = None;
        }
        self.completed = completed;
    }
}

/// Every writable field of a task, validated: the body of `POST` and `PUT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFields {
    /// Title.
    pub title: TaskTitle,
    /// Description.
    pub description: Description,
    /// Priority.
    pub priority: Priority,
    /// Due at an instant.
    pub due_at: Option<OffsetDateTime>,
    /// Due on a day (checked: not together with `due_at`).
    pub due_date: Option<Date>,
    /// Tags.
    pub tags: Tags,
    /// The recurrence (checked against the due by the service).
    pub recurrence: Option<RecurrenceSpec>,
    /// Reminders (at most five; checked against the due by the service); `None` keeps
    /// a task's reminders as they are (a form that does not show them), or none for a
    /// new task.
    pub reminders: Option<Vec<Reminder>>,
    /// Completion, when given (PUT may set it; POST may create a done task).
    pub completed: Option<bool>,
    /// The list: when given, POST creates the task there and PUT moves it there; else
    /// POST uses the caller's inbox and PUT keeps the list.
    pub list_id: Option<Uuid>,
    /// What a CalDAV client gave that the fields do not hold; `None` keeps a task's as
    /// it is (the API and the web app), or none for a new task.
    pub dav: Option<DavLink>,
}

/// A partial change: the body of `PATCH`. `Some(None)` clears a nullable field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<TaskTitle>,
    /// New description (`null` clears it to "").
    pub description: Option<Description>,
    /// New priority (`null` resets to medium).
    pub priority: Option<Priority>,
    /// New due instant, or `Some(None)` to remove it; a new one removes `due_date`.
    pub due_at: Option<Option<OffsetDateTime>>,
    /// New all-day due, or `Some(None)` to remove it; a new one removes `due_at`.
    pub due_date: Option<Option<Date>>,
    /// New tags (`null` clears them).
    pub tags: Option<Tags>,
    /// New recurrence, or `Some(None)` to stop recurring.
    pub recurrence: Option<Option<RecurrenceSpec>>,
    /// New reminders (`null` removes them all).
    pub reminders: Option<Vec<Reminder>>,
    /// Done or not.
    pub completed: Option<bool>,
    /// Move to this list.
    pub list_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(
            TaskTitle::parse("  Buy milk ").expect("ok").as_str(),
            "Buy milk"
        );
        assert!(TaskTitle::parse("   ").is_err());
        assert!(TaskTitle::parse(&"t".repeat(200)).is_ok());
        assert!(TaskTitle::parse(&"t".repeat(201)).is_err());
        assert!(TaskTitle::parse(&format!("  {}  ", "é".repeat(200))).is_ok());
    }

    #[test]
    fn descriptions_allow_up_to_2000_characters() {
        assert!(Description::parse("").is_ok());
        assert!(Description::parse(&"d".repeat(2000)).is_ok());
        assert!(Description::parse(&"d".repeat(2001)).is_err());
    }

    #[test]
    fn tags_are_trimmed_lowercased_and_deduplicated_in_order() {
        let raw: Vec<String> = [" Work", "home ", "WORK", "Ünïcode"]
            .map(String::from)
            .to_vec();
        let tags = Tags::parse(&raw).expect("valid");
        assert_eq!(tags.as_slice(), ["work", "home", "ünïcode"]);
        assert!(Tags::parse(&["  ".to_owned()]).is_err());
        assert!(Tags::parse(&["x".repeat(33)]).is_err());
        assert!(Tags::parse(&["x".repeat(32)]).is_ok());
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(Tags::parse(&eleven).expect_err("too many").field, "tags");
        // Eleven names that fold into ten tags are fine.
        let mut folding: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        folding.push("T0".into());
        assert_eq!(Tags::parse(&folding).expect("valid").as_slice().len(), 10);
    }

    #[test]
    fn completing_sets_and_clears_completed_at() {
        let now = crate::timestamp::now();
        let user_id = Uuid::now_v7();
        let mut t = Task::sample(user_id, user_id, "x", now);
        t.set_completed(true, now);
        assert_eq!(t.completed_at, Some(now));
        let later = now + time::Duration::seconds(5);
        t.set_completed(true, later);
        assert_eq!(
            t.completed_at,
            Some(now),
            "completing twice keeps the first time"
        );
        t.set_completed(false, later);
        assert_eq!(t.completed_at, None);
    }
}
