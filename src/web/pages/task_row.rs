//! A task as the pages list it (`templates/task_row.html`): its due said in the user's
//! zone, overdue or not, how it repeats and when it reminds; and the user's [`Clock`]
//! every page that shows dues reads once.

use jiff::tz::TimeZone;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::due_words::{Due, relative};
use super::reminder_form::describe_before;
use crate::lists::model::List;
use crate::state::AppState;
use crate::tasks::model::Task;
use crate::tasks::reminders::Reminder;
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
        let name = state.accounts.me(signed_in.user).await?.timezone;
        Ok(Self::in_zone(&name))
    }

    /// The clock of a user in the zone `name`, now.
    pub fn in_zone(name: &str) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            now,
            zone: crate::zone::zone(name),
            today: crate::zone::today(name, now),
        }
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

    /// A task's due in a few words ("Tomorrow 09:00"; `overdue` when it is pending and
    /// past), with the full date.
    pub fn due_words(
        &self,
        due_at: Option<OffsetDateTime>,
        due_date: Option<Date>,
        overdue: bool,
    ) -> Option<Due> {
        let full = self.due(due_at, due_date)?;
        relative(&self.zone, self.today, due_at, due_date, overdue, full)
    }

    /// The user's date a task is due on: a timed task's instant in their zone, an all-day
    /// task's date.
    pub fn day_of(&self, task: &Task) -> Option<Date> {
        match (task.due_at, task.due_date) {
            (Some(at), _) => from_civil(self.zone.to_datetime(to_timestamp(at)).date()),
            (None, day) => day,
        }
    }

    /// A reminder in words: "30 minutes before", "at Fri 4 Dec 2026, 09:00".
    pub fn reminder(&self, r: &Reminder) -> String {
        match r {
            Reminder::Before(text) => describe_before(text),
            Reminder::At(at) => format!("at {}", self.instant(*at)),
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
    /// The due in a few words ("Tomorrow 09:00"), with the full date.
    pub due: Option<Due>,
    pub overdue: bool,
    /// How it repeats, in words.
    pub repeats: Option<String>,
    /// Its reminders, when it has any.
    pub reminds: Option<Bell>,
    pub tags: Vec<String>,
    /// The version shown, sent back by the row's forms.
    pub version: i64,
    /// Its list.
    pub list_id: Uuid,
    /// Its list's name, for the chip ([`name_lists`]); none for the inbox.
    pub list: Option<String>,
    /// The row the page should land on after this one's done toggle ([`set_landings`]):
    /// itself, or a neighbour when the toggle takes it out of the view.
    pub land: Option<Uuid>,
}

impl TaskRow {
    /// The task as the user with `clock` sees it.
    fn new(task: Task, clock: &Clock) -> Self {
        let overdue = match (task.due_at, task.due_date) {
            (Some(at), _) => at < clock.now,
            (None, Some(day)) => day < clock.today,
            (None, None) => false,
        };
        let overdue = !task.completed && overdue;
        Self {
            id: task.id,
            overdue,
            due: clock.due_words(task.due_at, task.due_date, overdue),
            repeats: task.recurrence.map(|r| r.spec.rule.describe()),
            reminds: Bell::of(&task.reminders.items, clock),
            title: task.title,
            description: task.description,
            completed: task.completed,
            priority: task.priority.as_str(),
            tags: task.tags,
            version: task.version,
            list_id: task.list_id,
            list: None,
            land: Some(task.id),
        }
    }

    /// Whether the row has anything to show after its title.
    pub fn has_meta(&self) -> bool {
        self.priority != "medium"
            || self.due.is_some()
            || self.list.is_some()
            || self.reminds.is_some()
            || self.repeats.is_some()
            || !self.tags.is_empty()
    }
}

/// Names the list of each row for its chip, from `lists` (the inbox stays unnamed).
pub fn name_lists(rows: &mut [TaskRow], lists: &[List]) {
    for row in rows {
        row.list = lists
            .iter()
            .find(|l| l.id == row.list_id && !l.is_inbox)
            .map(|l| l.name.clone());
    }
}

/// Which tasks a view shows, by completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Only pending tasks: completing one (that does not repeat) takes it away.
    Pending,
    /// Only done tasks: reopening one takes it away.
    Done,
    /// Both: a toggled task stays.
    Both,
}

/// Where each row's done toggle lands: the row itself while it stays in the view, else
/// the row after it (or before it, for the last), so focus stays in the same place.
pub fn set_landings(rows: &mut [TaskRow], shown: Shown) {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    for (i, row) in rows.iter_mut().enumerate() {
        let leaves = match shown {
            Shown::Pending => !row.completed && row.repeats.is_none(),
            Shown::Done => row.completed,
            Shown::Both => false,
        };
        row.land = if leaves {
            ids.get(i + 1)
                .or_else(|| i.checked_sub(1).and_then(|j| ids.get(j)))
                .copied()
        } else {
            Some(row.id)
        };
    }
}

/// The reminders of a row: the bell's short text and the whole in words.
pub struct Bell {
    /// The one reminder ("30 minutes before"), or how many there are.
    pub short: String,
    /// "Reminders: 30 minutes before; 1 day before".
    pub full: String,
}

impl Bell {
    fn of(reminders: &[Reminder], clock: &Clock) -> Option<Self> {
        let words: Vec<String> = reminders.iter().map(|r| clock.reminder(r)).collect();
        match words.as_slice() {
            [] => None,
            [one] => Some(Self {
                short: one.clone(),
                full: format!("Reminder: {one}"),
            }),
            many => Some(Self {
                short: many.len().to_string(),
                full: format!("Reminders: {}", many.join("; ")),
            }),
        }
    }
}
