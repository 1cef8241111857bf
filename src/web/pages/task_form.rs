//! The task form shared by the add and edit pages: its fields as typed, their
//! validation into [`TaskFields`], and the `<option>` lists of its selects.

use jiff::tz::TimeZone;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::reminder_form::ReminderForm;
use super::repeat_form::RepeatForm;
use crate::error::{AppError, FieldError};
use crate::tasks::model::{Description, Priority, Tags, Task, TaskFields, TaskTitle};
use crate::timestamp::{format_day, parse_day};
use crate::web::error::WebError;
use crate::web::forms::Errors;
use crate::zone::{local_instant, to_civil, to_timestamp};

/// The fields of the add and edit forms, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct TaskForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub due: String,
    /// The time of day (`HH:MM`, in the user's zone); empty for all day.
    #[serde(default)]
    pub due_time: String,
    #[serde(default)]
    pub tags: String,
    /// How it repeats.
    #[serde(flatten)]
    pub repeat: RepeatForm,
    /// When to be reminded.
    #[serde(flatten)]
    pub remind: ReminderForm,
    /// The list's query string, to come back to the same filters and page.
    #[serde(default)]
    pub back: String,
    /// The list a new task goes into (empty: the inbox, or where it is, when editing).
    #[serde(default)]
    pub list_id: String,
    /// The version of the task the edit form was made from: a save against a newer one
    /// is a conflict, shown rather than written (empty on the add form).
    #[serde(default)]
    pub version: String,
}

impl TaskForm {
    /// Whether anything was typed into it (a kept form, shown again open).
    pub fn typed(&self) -> bool {
        [
            &self.title,
            &self.description,
            &self.due,
            &self.due_time,
            &self.tags,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
            || !self.repeat.repeat.is_empty()
            || self.remind.count() > 0
    }

    /// The form showing `task` to a user in `zone`.
    pub fn from_task(task: &Task, back: String, zone: &TimeZone) -> Self {
        let (due, due_time) = match (task.due_at, task.due_date) {
            (Some(at), _) => {
                let local = zone.to_datetime(to_timestamp(at));
                (
                    local.date().to_string(),
                    local.time().strftime("%H:%M").to_string(),
                )
            }
            (None, Some(day)) => (format_day(day), String::new()),
            (None, None) => (String::new(), String::new()),
        };
        Self {
            title: task.title.clone(),
            description: task.description.clone(),
            priority: task.priority.as_str().to_owned(),
            due,
            due_time,
            tags: task.tags.join(", "),
            repeat: RepeatForm::from_spec(task.recurrence.as_ref().map(|r| &r.spec)),
            remind: ReminderForm::from_reminders(&task.reminders.items, zone),
            back,
            list_id: String::new(),
            version: task.version.to_string(),
        }
    }

    /// The due the form gives, for a user in `zone`: a date alone is all day; a date and
    /// a time are that wall-clock time in the zone.
    fn due(
        &self,
        zone: &TimeZone,
    ) -> Result<(Option<time::OffsetDateTime>, Option<time::Date>), FieldError> {
        let time = self.due_time.trim();
        let day = match self.due.trim() {
            "" if time.is_empty() => return Ok((None, None)),
            "" => return Err(FieldError::new("due", "give the date the time is on")),
            raw => parse_day("due", raw)?,
        };
        if time.is_empty() {
            return Ok((None, Some(day)));
        }
        let wall = jiff::civil::Time::strptime("%H:%M", time)
            .or_else(|_| jiff::civil::Time::strptime("%H:%M:%S", time))
            .map_err(|_| FieldError::new("due_time", "must be a time such as 09:30"))?;
        to_civil(day)
            .and_then(|d| local_instant(zone, d.to_datetime(wall)))
            .map(|at| (Some(at), None))
            .ok_or_else(|| FieldError::new("due", "must be a date from year 1 to 9999"))
    }

    /// Validates the form for a user in `zone` at `now` (a new reminder may not be past).
    pub fn parse(&self, zone: &TimeZone, now: OffsetDateTime) -> Result<TaskFields, Errors> {
        let mut errors = Errors::default();
        let title = TaskTitle::parse(&self.title)
            .map_err(|e| errors.0.push(e))
            .ok();
        let description = Description::parse(&self.description)
            .map_err(|e| errors.0.push(e))
            .ok();
        let priority = match self.priority.as_str() {
            "" => Some(Priority::default()),
            p => Priority::parse("priority", p)
                .map_err(|e| errors.0.push(e))
                .ok(),
        };
        let due = self.due(zone).map_err(|e| errors.0.push(e)).ok();
        let recurrence = self.repeat.parse().map_err(|e| errors.0.push(e)).ok();
        let reminders = self
            .remind
            .parse(zone, now)
            .map_err(|e| errors.0.extend(e))
            .ok();
        // `#work` is how tags are shown; the `#` is not part of the tag.
        let raw_tags: Vec<String> = self
            .tags
            .split(',')
            .map(|t| t.trim().trim_start_matches('#').trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let tags = Tags::parse(&raw_tags).map_err(|e| errors.0.push(e)).ok();
        let list_id = match self.list_id.trim() {
            "" => Some(None),
            raw => Uuid::parse_str(raw)
                .map(Some)
                .map_err(|_| errors.add("list_id", "must be one of your lists"))
                .ok(),
        };
        if matches!((&recurrence, &due), (Some(Some(_)), Some((None, None)))) {
            errors.add("due", "a task that repeats needs a due date");
        }
        if self.remind.asks_before() && matches!(due, Some((None, None))) {
            errors.add(
                "reminders",
                "A reminder before the due needs a due date: give one, or choose “At a date and time”.",
            );
        }
        if !errors.0.is_empty() {
            return Err(errors);
        }
        match (
            title,
            description,
            priority,
            due,
            tags,
            list_id,
            recurrence,
            reminders,
        ) {
            (
                Some(title),
                Some(description),
                Some(priority),
                Some((due_at, due_date)),
                Some(tags),
                Some(list_id),
                Some(recurrence),
                Some(reminders),
            ) => Ok(TaskFields {
                title,
                description,
                priority,
                due_at,
                due_date,
                tags,
                recurrence,
                reminders: Some(reminders),
                completed: None,
                list_id,
                dav: None,
            }),
            _ => Err(errors),
        }
    }
}

/// The field errors of a service's refusal (`422`), to show on the form again; any
/// other failure is an error page.
pub fn field_errors(e: AppError) -> Result<Errors, WebError> {
    match e {
        AppError::Validation(fields) => Ok(Errors(fields)),
        other => Err(WebError(other)),
    }
}

/// One `<option>` of a select.
pub struct Opt {
    /// The submitted value.
    pub value: &'static str,
    /// What the user reads.
    pub label: &'static str,
    /// Whether it is the current choice.
    pub selected: bool,
}

/// The options of `list` with `current` selected.
pub fn options(list: &[(&'static str, &'static str)], current: &str) -> Vec<Opt> {
    list.iter()
        .map(|&(value, label)| Opt {
            value,
            label,
            selected: value == current,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::reminders::Reminder;
    use time::macros::datetime;

    fn form(due: &str, tags: &str) -> TaskForm {
        TaskForm {
            title: " Buy milk ".into(),
            due: due.into(),
            tags: tags.into(),
            ..TaskForm::default()
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    #[test]
    fn a_due_day_is_an_all_day_due() {
        let fields = form("2026-11-25", "").parse(&utc(), NOW).expect("valid");
        assert_eq!(fields.due_date, Some(time::macros::date!(2026 - 11 - 25)));
        assert_eq!(fields.due_at, None);
        assert_eq!(fields.title.as_str(), "Buy milk");
        assert_eq!(fields.priority, Priority::Medium);
    }

    #[test]
    fn a_day_and_a_time_are_that_time_in_the_users_zone() {
        let berlin = TimeZone::get("Europe/Berlin").expect("zone");
        let mut f = form("2026-07-01", "");
        f.due_time = "09:30".into();
        let fields = f.parse(&berlin, NOW).expect("valid");
        assert_eq!(fields.due_at, Some(datetime!(2026-07-01 07:30 UTC)));
        assert_eq!(fields.due_date, None);
        f.due = String::new();
        assert!(
            f.parse(&berlin, NOW)
                .expect_err("no date")
                .get("due")
                .is_some()
        );
        f.due = "2026-07-01".into();
        f.due_time = "half past nine".into();
        assert!(
            f.parse(&berlin, NOW)
                .expect_err("bad time")
                .get("due_time")
                .is_some()
        );
    }

    #[test]
    fn a_repeating_task_needs_a_due() {
        let mut f = form("", "");
        f.repeat.repeat = "daily".into();
        assert!(
            f.parse(&utc(), NOW)
                .expect_err("no due")
                .get("due")
                .is_some()
        );
        f.due = "2026-07-01".into();
        let fields = f.parse(&utc(), NOW).expect("valid");
        assert_eq!(
            fields.recurrence.map(|r| r.rule.to_string()),
            Some("FREQ=DAILY".to_owned())
        );
    }

    #[test]
    fn reminders_replace_the_tasks_and_one_before_the_due_needs_a_due() {
        let mut f = form("", "");
        let fields = f.parse(&utc(), NOW).expect("valid");
        assert_eq!(fields.reminders, Some(vec![]), "the form always says");
        f.remind.remind_0 = "PT30M".into();
        let errors = f.parse(&utc(), NOW).expect_err("no due");
        assert!(errors.get("reminders").is_some(), "{errors:?}");
        f.due = "2026-07-01".into();
        let fields = f.parse(&utc(), NOW).expect("valid");
        assert_eq!(
            fields.reminders,
            Some(vec![Reminder::Before("PT30M".into())])
        );
    }

    #[test]
    fn tags_are_split_on_commas_and_errors_name_the_fields() {
        let fields = form("", " Work,, home ,work")
            .parse(&utc(), NOW)
            .expect("valid");
        assert_eq!(fields.tags.as_slice(), ["work", "home"]);
        let mut bad = form("tomorrow", &"x".repeat(40));
        bad.title = "  ".into();
        bad.priority = "urgent".into();
        let errors = bad.parse(&utc(), NOW).expect_err("invalid");
        for field in ["title", "due", "priority", "tags"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }
}
