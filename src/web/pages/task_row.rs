//! A task as the pages list it (`templates/task_row.html`): its due said in the user's
//! zone, overdue or not, and how it repeats; and the user's [`Clock`] every page that
//! shows dues reads once.

use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::state::AppState;
use crate::tasks::model::Task;
use crate::web::error::WebError;
use crate::web::session::SignedIn;
use crate::zone::{from_civil, to_civil, to_timestamp};

/// A timed due in words.
const AT: &str = "%a %-d %b %Y, %H:%M";
/// An all-day due in words.
const ON: &str = "%a %-d %b %Y";

/// The signed-in user's clock: the instant, their zone, and their date.
pub struct Clock {
    pub now: OffsetDateTime,
    pub zone: TimeZone,
    pub today: Date,
}

impl Clock {
    /// The signed-in user's clock (one read of their account).
    pub async fn of(state: &AppState, signed_in: &SignedIn) -> Result<Self, WebError> {
        let now = OffsetDateTime::now_utc();
        let name = state.accounts.me(signed_in.user).await?.timezone;
        Ok(Self {
            now,
            zone: crate::zone::zone(&name),
            today: crate::zone::today(&name, now),
        })
    }

    /// An instant in words, in the user's zone: "Fri 4 Dec 2026, 09:00".
    pub fn instant(&self, at: OffsetDateTime) -> String {
        self.zone
            .to_datetime(to_timestamp(at))
            .strftime(AT)
            .to_string()
    }

    /// A due in words: the instant with its time, or the day ("Fri 4 Dec 2026").
    pub fn due(&self, due_at: Option<OffsetDateTime>, due_date: Option<Date>) -> Option<String> {
        match (due_at, due_date) {
            (Some(at), _) => Some(self.instant(at)),
            (None, Some(day)) => to_civil(day).map(|d| d.strftime(ON).to_string()),
            (None, None) => None,
        }
    }

    /// The user's date a task is due on: a timed task's instant in their zone, an all-day
    /// task's date.
    pub fn day_of(&self, task: &Task) -> Option<Date> {
        match (task.due_at, task.due_date) {
            (Some(at), _) => from_civil(self.zone.to_datetime(to_timestamp(at)).date()),
            (None, day) => day,
        }
    }

    /// `task` as a row.
    pub fn row(&self, task: Task) -> TaskRow {
        TaskRow::new(task, self)
    }
}

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
    /// The task as the user with `clock` sees it.
    fn new(task: Task, clock: &Clock) -> Self {
        let overdue = match (task.due_at, task.due_date) {
            (Some(at), _) => at < clock.now,
            (None, Some(day)) => day < clock.today,
            (None, None) => false,
        };
        Self {
            id: task.id,
            overdue: !task.completed && overdue,
            due: clock.due(task.due_at, task.due_date),
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
