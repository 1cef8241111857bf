//! The task form shared by the add and edit pages: its fields as typed, their
//! validation into [`TaskFields`], and the `<option>` lists of its selects.

use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tasks::model::{Description, Priority, Tags, Task, TaskFields, TaskTitle};
use crate::timestamp::{format_day, parse_day};
use crate::web::forms::Errors;

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
    #[serde(default)]
    pub tags: String,
    /// The list's query string, to come back to the same filters and page.
    #[serde(default)]
    pub back: String,
    /// The list a new task goes into (empty: the inbox, or where it is, when editing).
    #[serde(default)]
    pub list_id: String,
}

impl TaskForm {
    pub fn from_task(task: &Task, back: String) -> Self {
        Self {
            title: task.title.clone(),
            description: task.description.clone(),
            priority: task.priority.as_str().to_owned(),
            due: task
                .due_at
                .map(|d| d.date())
                .or(task.due_date)
                .map(format_day)
                .unwrap_or_default(),
            tags: task.tags.join(", "),
            back,
            list_id: String::new(),
        }
    }

    /// Validates the form. A due date is a day: the task is due all that day (in the
    /// user's time zone), unless it is the day of the instant the task already had, whose
    /// exact time is kept.
    pub fn parse(&self, current_due: Option<OffsetDateTime>) -> Result<TaskFields, Errors> {
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
        let due = match self.due.trim() {
            "" => Some((None, None)),
            raw => match parse_day("due", raw) {
                Ok(day) if current_due.is_some_and(|d| d.date() == day) => {
                    Some((current_due, None))
                }
                Ok(day) => Some((None, Some(day))),
                Err(e) => {
                    errors.0.push(e);
                    None
                }
            },
        };
        let raw_tags: Vec<String> = self
            .tags
            .split(',')
            .map(str::trim)
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
        match (title, description, priority, due, tags, list_id) {
            (
                Some(title),
                Some(description),
                Some(priority),
                Some((due_at, due_date)),
                Some(tags),
                Some(list_id),
            ) => Ok(TaskFields {
                title,
                description,
                priority,
                due_at,
                due_date,
                tags,
                recurrence: None,
                completed: None,
                list_id,
            }),
            _ => Err(errors),
        }
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
    use time::macros::datetime;

    fn form(due: &str, tags: &str) -> TaskForm {
        TaskForm {
            title: " Buy milk ".into(),
            due: due.into(),
            tags: tags.into(),
            ..TaskForm::default()
        }
    }

    #[test]
    fn a_due_day_is_an_all_day_due() {
        let fields = form("2026-11-25", "").parse(None).expect("valid");
        assert_eq!(fields.due_date, Some(time::macros::date!(2026 - 11 - 25)));
        assert_eq!(fields.due_at, None);
        assert_eq!(fields.title.as_str(), "Buy milk");
        assert_eq!(fields.priority, Priority::Medium);
    }

    #[test]
    fn an_unchanged_due_day_keeps_its_exact_time() {
        let exact = datetime!(2026-11-25 09:30 UTC);
        let fields = form("2026-11-25", "").parse(Some(exact)).expect("valid");
        assert_eq!(fields.due_at, Some(exact));
        assert_eq!(fields.due_date, None);
        let fields = form("", "").parse(Some(exact)).expect("valid");
        assert_eq!(fields.due_at, None);
    }

    #[test]
    fn tags_are_split_on_commas_and_errors_name_the_fields() {
        let fields = form("", " Work,, home ,work").parse(None).expect("valid");
        assert_eq!(fields.tags.as_slice(), ["work", "home"]);
        let mut bad = form("tomorrow", &"x".repeat(40));
        bad.title = "  ".into();
        bad.priority = "urgent".into();
        let errors = bad.parse(None).expect_err("invalid");
        for field in ["title", "due", "priority", "tags"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }
}
