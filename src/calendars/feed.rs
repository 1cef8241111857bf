//! The body of a feed: the pending tasks with a due as `VEVENT`s (calendar apps ignore
//! `VTODO` in subscriptions), with the user's `VTIMEZONE` when a timed task needs it.

use jiff::tz::TimeZone;

use super::ics::Ics;
use super::{values, vtimezone};
use crate::tasks::model::Task;
use crate::tasks::reminders::Reminder;
use crate::zone::zone;

/// What a feed's body is made from.
pub struct FeedBody<'a> {
    /// The calendar's name (`X-WR-CALNAME`).
    pub name: &'a str,
    /// The user's IANA zone.
    pub zone: &'a str,
    /// The tasks (those without a due or completed are left out).
    pub tasks: &'a [Task],
    /// The web app's base URL, for each task's `URL`.
    pub public_url: Option<&'a url::Url>,
}

impl FeedBody<'_> {
    /// The `VCALENDAR`.
    pub fn render(&self) -> String {
        let tz = zone(self.zone);
        let utc = values::is_utc(&tz);
        let tasks: Vec<&Task> = self
            .tasks
            .iter()
            .filter(|t| !t.completed && (t.due_at.is_some() || t.due_date.is_some()))
            .collect();
        let mut ics = Ics::new();
        ics.begin("VCALENDAR");
        ics.raw("VERSION", "2.0");
        ics.raw("PRODID", "-//Taskward//Calendar feed//EN");
        ics.raw("CALSCALE", "GREGORIAN");
        ics.raw("METHOD", "PUBLISH");
        ics.text("X-WR-CALNAME", self.name);
        if !utc {
            ics.text("X-WR-TIMEZONE", self.zone);
            if let Some((from, to)) = values::zone_years(tasks.iter().copied(), &tz) {
                vtimezone::write(&mut ics, &tz, self.zone, from, to);
            }
        }
        for task in tasks {
            self.event(&mut ics, task, &tz, utc);
        }
        ics.end("VCALENDAR");
        ics.finish()
    }

    fn event(&self, ics: &mut Ics, task: &Task, tz: &TimeZone, utc: bool) {
        ics.begin("VEVENT");
        ics.raw("UID", &format!("{}@taskward", task.id));
        ics.raw("DTSTAMP", &values::utc_time(task.updated_at));
        values::due(ics, "DTSTART", task, (tz, self.zone, utc));
        if task.due_at.is_none()
            && let Some(next) = task.due_date.and_then(|d| d.next_day())
        {
            ics.raw("DTEND;VALUE=DATE", &values::date(next));
        }
        ics.text("SUMMARY", &task.title);
        if !task.description.is_empty() {
            ics.text("DESCRIPTION", &task.description);
        }
        if !task.tags.is_empty() {
            ics.text_list("CATEGORIES", &task.tags);
        }
        if let Some(rule) = values::series_rule(task, tz) {
            ics.raw("RRULE", &rule.to_string());
        }
        if let Some(link) = self
            .public_url
            .and_then(|u| u.join(&format!("tasks/{}/edit", task.id)).ok())
        {
            ics.raw("URL;VALUE=URI", link.as_str());
        }
        for reminder in &task.reminders.items {
            alarm(ics, reminder, task);
        }
        ics.end("VEVENT");
    }
}

/// One `VALARM`: `before` relative to the start (an all-day task's at
/// [`crate::tasks::reminders::ALL_DAY_HOUR`] of its day, as Taskward sends it), `at` at
/// its instant.
fn alarm(ics: &mut Ics, reminder: &Reminder, task: &Task) {
    let Some((name, value)) = values::trigger(reminder, task.due_at.is_none(), "TRIGGER") else {
        return;
    };
    ics.begin("VALARM");
    ics.raw("ACTION", "DISPLAY");
    ics.raw(&name, &value);
    ics.text("DESCRIPTION", &task.title);
    ics.end("VALARM");
}
