//! The wire format of when a task comes round: its recurrence and its reminders, as
//! clients send them and see them (parts of the task bodies of `wire.rs`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::tasks::recurrence::Rule;
use crate::tasks::recurring::{RecurFrom, RecurrenceSpec};
use crate::tasks::reminders::{MAX_REMINDERS, Reminder};

/// A recurrence as clients send it.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = RecurrenceInput)]
pub struct RecurrenceInput {
    /// An RFC 5545 recurrence rule value without `RRULE:`: `FREQ` (DAILY, WEEKLY,
    /// MONTHLY, YEARLY), `INTERVAL`, `BYDAY` (with ordinals such as `2MO`, `-1FR`),
    /// `BYMONTHDAY` (negative too), `BYMONTH`, `BYSETPOS`, `COUNT`, `UNTIL`, `WKST`.
    #[schema(example = "FREQ=WEEKLY;BYDAY=MO,FR", max_length = 500)]
    rule: String,
    /// `due` (the default): the next due is the rule's next occurrence after the
    /// completed one and now; `completion`: one interval of the rule after completion.
    #[serde(default)]
    from: RecurFrom,
}

/// A task's recurrence as clients see it: the rule in its canonical spelling.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Recurrence)]
pub struct RecurrenceView {
    #[schema(example = "FREQ=WEEKLY;BYDAY=MO,FR")]
    rule: String,
    from: RecurFrom,
}

impl From<RecurrenceSpec> for RecurrenceView {
    fn from(spec: RecurrenceSpec) -> Self {
        Self {
            rule: spec.rule.to_string(),
            from: spec.from,
        }
    }
}

/// A reminder as clients send it: exactly one of `before` and `at`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = ReminderInput, example = json!({"before": "PT30M"}))]
pub struct ReminderInput {
    /// How long before the due (an ISO 8601 duration: `PT30M`, `PT2H`, `P1D`, `P1W`; at
    /// most a year); the task needs a due. An all-day task counts as due at 09:00.
    #[schema(example = "PT30M")]
    before: Option<String>,
    /// An instant (RFC 3339).
    #[schema(format = DateTime, example = "2026-12-24T09:00:00Z")]
    at: Option<String>,
}

/// A reminder as clients see it: `{"before": "PT30M"}` or `{"at": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Reminder)]
pub struct ReminderView {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "PT30M")]
    before: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    at: Option<OffsetDateTime>,
}

impl From<Reminder> for ReminderView {
    fn from(r: Reminder) -> Self {
        match r {
            Reminder::Before(span) => Self {
                before: Some(span),
                at: None,
            },
            Reminder::At(at) => Self {
                before: None,
                at: Some(at),
            },
        }
    }
}

/// At most five reminders, each checked (`reminders[1].before`).
pub(super) fn reminders(raw: Vec<ReminderInput>) -> Result<Vec<Reminder>, FieldError> {
    if raw.len() > MAX_REMINDERS {
        return Err(FieldError::new(
            "reminders",
            format!("must hold at most {MAX_REMINDERS} reminders"),
        ));
    }
    raw.into_iter()
        .enumerate()
        .map(|(i, r)| match (r.before, r.at) {
            (Some(before), None) => Reminder::before(&format!("reminders[{i}].before"), &before),
            (None, Some(at)) => Reminder::at(&format!("reminders[{i}].at"), &at),
            _ => Err(FieldError::new(
                format!("reminders[{i}]"),
                "must have exactly one of `before` (a duration such as PT30M) and `at` (an instant)",
            )),
        })
        .collect()
}

pub(super) fn recurrence(raw: RecurrenceInput) -> Result<Option<RecurrenceSpec>, FieldError> {
    Ok(Some(RecurrenceSpec {
        rule: Rule::parse(&raw.rule)?,
        from: raw.from,
    }))
}
