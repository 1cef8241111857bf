//! A task as the pages list it (`templates/task_row.html`): its due said in the user's
//! zone, overdue or not, and how it repeats.

use jiff::tz::TimeZone;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tasks::model::Task;
use crate::zone::{to_civil, to_timestamp};

/// A task as a row of a list.
pub struct TaskRow {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub completed: bool,
    pub priority: &'static str,
    /// The due in words: "Fri 4 Dec 2026", with ", 09:00" for a timed task.
    pub due: Option<String>,
    pub overdue: bool,
    /// How it repeats, in words.
    pub repeats: Option<String>,
    pub tags: Vec<String>,
    /// The version shown, sent back by the row's forms.
    pub version: i64,
}

impl TaskRow {
    /// The task at `now`, for a user in `zone`, where it is `today`.
    pub fn new(task: Task, now: OffsetDateTime, zone: &TimeZone, today: time::Date) -> Self {
        let overdue = match (task.due_at, task.due_date) {
            (Some(at), _) => at < now,
            (None, Some(day)) => day < today,
            (None, None) => false,
        };
        let due = match (task.due_at, task.due_date) {
            (Some(at), _) => Some(
                zone.to_datetime(to_timestamp(at))
                    .strftime("%a %-d %b %Y, %H:%M")
                    .to_string(),
            ),
            (None, Some(day)) => to_civil(day).map(|d| d.strftime("%a %-d %b %Y").to_string()),
            (None, None) => None,
        };
        Self {
            id: task.id,
            overdue: !task.completed && overdue,
            due,
            repeats: task.recurrence.map(|r| r.spec.rule.describe()),
            title: task.title,
            description: task.description,
            completed: task.completed,
            priority: task.priority.as_str(),
            tags: task.tags,
            version: task.version,
        }
    }
}
