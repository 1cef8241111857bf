//! Task values that can only hold valid contents, and the task record itself.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::FieldError;
use crate::timestamp::parse_timestamp;

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
        match raw {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            _ => Err(FieldError::new(field, "must be one of low, medium, high")),
        }
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

/// A task as stored and as clients see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// UUIDv7.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Title.
    pub title: String,
    /// Description, possibly empty.
    pub description: String,
    /// Done or not.
    pub completed: bool,
    /// Priority.
    pub priority: Priority,
    /// Due date, if any.
    pub due_at: Option<OffsetDateTime>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When it was last completed, while it is completed.
    pub completed_at: Option<OffsetDateTime>,
    /// Bumped by every change; the ETag.
    pub version: i64,
}

impl Task {
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
    /// Due date.
    pub due_at: Option<OffsetDateTime>,
    /// Tags.
    pub tags: Tags,
    /// Completion, when given (PUT may set it; POST may create a done task).
    pub completed: Option<bool>,
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
    /// New due date, or `Some(None)` to remove it.
    pub due_at: Option<Option<OffsetDateTime>>,
    /// New tags (`null` clears them).
    pub tags: Option<Tags>,
    /// Done or not.
    pub completed: Option<bool>,
}

/// Reads the JSON object of a request into field values, collecting one error per field.
struct Reader<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

/// A member of the body: absent, `null`, or a value.
enum Member<'a> {
    Absent,
    Null,
    Value(&'a Value),
}

impl<'a> Reader<'a> {
    fn member(&self, name: &str) -> Member<'a> {
        match self.body.get(name) {
            None => Member::Absent,
            Some(Value::Null) => Member::Null,
            Some(v) => Member::Value(v),
        }
    }

    fn fail<T>(&mut self, e: FieldError) -> Option<T> {
        self.errors.push(e);
        None
    }

    /// A string member: absent is `Some(None)`; `null` is `on_null` (an error when there
    /// is none); a string goes through `parse`. `None` means an error was recorded.
    fn text<T>(
        &mut self,
        name: &str,
        on_null: Option<T>,
        parse: impl FnOnce(&str) -> Result<T, FieldError>,
    ) -> Option<Option<T>> {
        match self.member(name) {
            Member::Absent => Some(None),
            Member::Null => match on_null {
                Some(v) => Some(Some(v)),
                None => self.fail(FieldError::new(name, "must not be null")),
            },
            Member::Value(Value::String(s)) => match parse(s) {
                Ok(v) => Some(Some(v)),
                Err(e) => self.fail(e),
            },
            Member::Value(_) => self.fail(FieldError::new(name, "must be a string")),
        }
    }

    fn tags(&mut self) -> Option<Option<Tags>> {
        match self.member("tags") {
            Member::Absent => Some(None),
            Member::Null => Some(Some(Tags::default())),
            Member::Value(Value::Array(items)) => {
                // Refuse absurd lists before normalising them.
                if items.len() > MAX_TAGS * 10 {
                    return self.fail(FieldError::new(
                        "tags",
                        format!("must hold at most {MAX_TAGS} tags"),
                    ));
                }
                let mut raw = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) => raw.push(s.to_owned()),
                        None => {
                            return self
                                .fail(FieldError::new(format!("tags[{i}]"), "must be a string"));
                        }
                    }
                }
                match Tags::parse(&raw) {
                    Ok(tags) => Some(Some(tags)),
                    Err(e) => self.fail(e),
                }
            }
            Member::Value(_) => self.fail(FieldError::new("tags", "must be an array of strings")),
        }
    }

    fn completed(&mut self) -> Option<Option<bool>> {
        match self.member("completed") {
            Member::Absent => Some(None),
            Member::Value(Value::Bool(b)) => Some(Some(*b)),
            Member::Null | Member::Value(_) => {
                self.fail(FieldError::new("completed", "must be true or false"))
            }
        }
    }
}

impl TaskPatch {
    /// Reads a partial change (`PATCH`): any subset of the fields, `null` clears.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        Self::read(body, false)
    }

    /// Reads every member present, collecting one error per invalid field. A `null` title
    /// is always an error; an absent one too when `title_required`.
    fn read(body: &Value, title_required: bool) -> Result<Self, Vec<FieldError>> {
        let body = body
            .as_object()
            .ok_or_else(|| vec![FieldError::new("body", "must be a JSON object")])?;
        let mut r = Reader {
            body,
            errors: Vec::new(),
        };
        let title = if title_required && matches!(r.member("title"), Member::Absent | Member::Null)
        {
            r.fail(FieldError::new("title", "is required"))
        } else {
            r.text("title", None, TaskTitle::parse)
        };
        let description = r.text(
            "description",
            Some(Description::default()),
            Description::parse,
        );
        let priority = r.text("priority", Some(Priority::default()), |s| {
            Priority::parse("priority", s)
        });
        let due_at = r.text("due_at", Some(None), |s| {
            parse_timestamp("due_at", s).map(Some)
        });
        let tags = r.tags();
        let completed = r.completed();
        match (title, description, priority, due_at, tags, completed) {
            (
                Some(title),
                Some(description),
                Some(priority),
                Some(due_at),
                Some(tags),
                Some(completed),
            ) if r.errors.is_empty() => Ok(Self {
                title,
                description,
                priority,
                due_at,
                tags,
                completed,
            }),
            _ => Err(r.errors),
        }
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl TaskFields {
    /// Reads a full task (`POST`, `PUT`): `title` required, omitted fields take their
    /// defaults. Unknown members are ignored.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let patch = TaskPatch::read(body, true)?;
        let Some(title) = patch.title else {
            return Err(vec![FieldError::new("title", "is required")]);
        };
        Ok(Self {
            title,
            description: patch.description.unwrap_or_default(),
            priority: patch.priority.unwrap_or_default(),
            due_at: patch.due_at.flatten(),
            tags: patch.tags.unwrap_or_default(),
            completed: patch.completed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn full_input_takes_defaults_and_reports_every_bad_field() {
        let f = TaskFields::from_json(&json!({"title": "x"})).expect("valid");
        assert_eq!(f.priority, Priority::Medium);
        assert_eq!(f.description.as_str(), "");
        assert!(f.tags.as_slice().is_empty());
        assert_eq!(f.due_at, None);
        let errors = TaskFields::from_json(&json!({
            "title": "", "description": 5, "priority": "urgent", "due_at": "soon", "tags": "a",
            "completed": "yes"
        }))
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
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
            TaskFields::from_json(&json!([])).expect_err("not an object")[0].field,
            "body"
        );
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let p = TaskPatch::from_json(&json!({"due_at": null, "tags": null})).expect("valid");
        assert_eq!(p.due_at, Some(None));
        assert_eq!(p.tags, Some(Tags::default()));
        assert_eq!(p.title, None);
        assert!(TaskPatch::from_json(&json!({})).expect("valid").is_empty());
        assert_eq!(
            TaskPatch::from_json(&json!({"title": null})).expect_err("null title")[0].field,
            "title"
        );
    }

    #[test]
    fn completing_sets_and_clears_completed_at() {
        let now = crate::timestamp::now();
        let mut t = Task {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            title: "x".into(),
            description: String::new(),
            completed: false,
            priority: Priority::Medium,
            due_at: None,
            tags: vec![],
            created_at: now,
            updated_at: now,
            completed_at: None,
            version: 1,
        };
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
