//! Quick add on the service: a line of text read by [`super::quick_add`] in the caller's
//! time zone and lists, as the fields of a new task. Shared by `POST /api/tasks/parse`
//! and the web app's quick-add box; it changes nothing.

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::Tasks;
use super::model::{Priority, TaskTitle};
use super::quick_add::{self, Role};
use super::recurrence::{RecurFrom, RecurrenceSpec, Rule};
use crate::error::{AppError, AppResult, FieldError};
use crate::lists::Lists;
use crate::zone::{from_civil, from_timestamp, to_timestamp};

/// Longest quick-add text.
pub const MAX_TEXT: usize = 500;

/// What a line of quick-add text means, as task fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understood {
    /// The title: the words no phrase took.
    pub title: String,
    /// Due at this instant (a date and a time in the caller's zone).
    pub due_at: Option<OffsetDateTime>,
    /// Due all day on this date.
    pub due_date: Option<Date>,
    /// Tags.
    pub tags: Vec<String>,
    /// Priority (medium unless said).
    pub priority: Priority,
    /// The recurrence.
    pub recurrence: Option<RecurrenceSpec>,
    /// The list named after `@`, if the caller may add to a list of that name.
    pub list_id: Option<Uuid>,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError::new("text", message)])
}

impl Tasks {
    /// Reads `text` as `user_id` means it: dates in their zone, `@name` among the lists
    /// they may add to (a name they have no such list of stays in the title).
    pub async fn understand(
        &self,
        user_id: Uuid,
        text: &str,
        lists: &Lists,
    ) -> AppResult<Understood> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_TEXT {
            return Err(invalid(format!(
                "must be 1 to {MAX_TEXT} characters, such as \"Call mom tomorrow 5pm #family\""
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(invalid("must be one line without control characters"));
        }
        let zone = crate::zone::zone(&self.zone_of(user_id).await?);
        let now = zone.to_datetime(to_timestamp(crate::timestamp::now()));
        let read = quick_add::parse(text, now);
        let list_id = match &read.list {
            Some(name) => lists
                .all(user_id)
                .await?
                .into_iter()
                .find(|l| {
                    !l.archived
                        && l.role.can_write_tasks()
                        && l.name.to_lowercase() == name.to_lowercase()
                })
                .map(|l| l.id),
            None => None,
        };
        // An `@name` that names no list of theirs is part of the title after all.
        let title = read
            .words
            .iter()
            .filter(|w| w.role == Role::Title || (w.role == Role::List && list_id.is_none()))
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let title =
            TaskTitle::parse(&title).map_err(|e| invalid(format!("its title {}", e.message)))?;
        let (due_at, due_date) = match (read.due_date, read.due_time) {
            (Some(day), Some(time)) => (
                zone.to_timestamp(day.to_datetime(time))
                    .ok()
                    .and_then(from_timestamp),
                None,
            ),
            (Some(day), None) => (None, from_civil(day)),
            _ => (None, None),
        };
        let recurrence = match read.recurrence {
            Some(r) => Some(RecurrenceSpec {
                rule: Rule::parse(&r.rule).map_err(|e| AppError::Validation(vec![e]))?,
                from: if r.from_completion {
                    RecurFrom::Completion
                } else {
                    RecurFrom::Due
                },
            }),
            None => None,
        };
        Ok(Understood {
            title: title.as_str().to_owned(),
            due_at,
            due_date,
            tags: read.tags,
            priority: read.priority.unwrap_or_default(),
            recurrence,
            list_id,
        })
    }
}
