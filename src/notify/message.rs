//! What a reminder says: a title (the task's) and a line on when it is due, in the zone
//! of the user it reminds, the same in a mail and an ntfy notification.

use super::model::Message;
use crate::tasks::model::Task;
use crate::zone::{to_civil, to_timestamp, zone};

/// The message of a reminder of `task` to a user in `zone_name`, with a `link` to the
/// task and the webhook `event`.
pub fn reminder_message(
    task: &Task,
    zone_name: &str,
    link: Option<String>,
    event: serde_json::Value,
) -> Message {
    let due = match (task.due_at, task.due_date) {
        (Some(at), _) => {
            let local = to_timestamp(at).to_zoned_datetime(zone(zone_name));
            format!(
                "Due {} at {} ({zone_name}).",
                local.strftime("%A %-d %B %Y"),
                local.strftime("%H:%M")
            )
        }
        (None, Some(day)) => to_civil(day).map_or_else(
            || "Due all day.".to_owned(),
            |d| format!("Due {} (all day).", d.strftime("%A %-d %B %Y")),
        ),
        (None, None) => "A reminder you set.".to_owned(),
    };
    let mut text = due;
    let description = task.description.lines().next().unwrap_or_default().trim();
    if !description.is_empty() {
        text.push_str("\n\n");
        text.push_str(description);
    }
    Message {
        title: task.title.clone(),
        text,
        link,
        event,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    fn task() -> Task {
        let at = datetime!(2026-12-04 16:00 UTC);
        Task {
            id: Uuid::nil(),
            description: "Ask about the boiler\nand the bill".into(),
            due_at: Some(at),
            due_key: Some(at),
            ..Task::sample(Uuid::nil(), Uuid::nil(), "Call the plumber", at)
        }
    }

    #[test]
    fn a_timed_task_is_due_in_the_users_zone() {
        let m = reminder_message(&task(), "Europe/Berlin", None, serde_json::json!({}));
        assert_eq!(m.title, "Call the plumber");
        assert_eq!(
            m.text,
            "Due Friday 4 December 2026 at 17:00 (Europe/Berlin).\n\nAsk about the boiler"
        );
    }

    #[test]
    fn an_all_day_task_names_its_day() {
        let mut t = task();
        t.due_at = None;
        t.due_date = Some(date!(2026 - 12 - 24));
        t.description.clear();
        let m = reminder_message(
            &t,
            "UTC",
            Some("https://x/tasks/1".into()),
            serde_json::json!({}),
        );
        assert_eq!(m.text, "Due Thursday 24 December 2026 (all day).");
        assert_eq!(m.link.as_deref(), Some("https://x/tasks/1"));
    }
}
