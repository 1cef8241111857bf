//! The "Remind me" part of the task form: three rows (more when a task has more), each a
//! common time before the due or a date and time in the user's zone; as typed, as
//! reminders, and back. A `before` the select does not offer (`PT45M` set through the
//! API) is shown as an extra choice of its row, and an `at` the page showed is kept to
//! the microsecond while its row is left as it was, so saving the form unchanged keeps
//! the reminders exactly (and whom they remind).

use jiff::Span;
use jiff::tz::TimeZone;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::FieldError;
use crate::tasks::reminders::{MAX_REMINDERS, Reminder};
use crate::timestamp::{format_rfc3339, parse_timestamp};
use crate::zone::{local_instant, to_timestamp};

/// The rows shown when the task has fewer reminders.
const ROWS: usize = 3;

/// The choices of each row's select, as (value, label): no reminder, a time before the
/// due (canonical ISO 8601, as [`Reminder::before`] keeps it), or a date and time.
pub const CHOICES: &[(&str, &str)] = &[
    ("", "No reminder"),
    ("PT0S", "At the due time"),
    ("PT5M", "5 minutes before"),
    ("PT10M", "10 minutes before"),
    ("PT15M", "15 minutes before"),
    ("PT30M", "30 minutes before"),
    ("PT1H", "1 hour before"),
    ("PT2H", "2 hours before"),
    ("P1D", "1 day before"),
    ("P2D", "2 days before"),
    ("P1W", "1 week before"),
    (AT, "At a date and time"),
];

/// The choice of a date and time.
const AT: &str = "at";

/// What a `datetime-local` input shows: minutes, in the user's zone.
const LOCAL: &str = "%Y-%m-%dT%H:%M";

/// The reminder rows as typed: `remind_N` the choice, `remind_at_N` the date and time,
/// and `remind_was_N` the exact instant of an `at` reminder the page showed in that row.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct ReminderForm {
    pub remind_0: String,
    pub remind_1: String,
    pub remind_2: String,
    pub remind_3: String,
    pub remind_4: String,
    pub remind_at_0: String,
    pub remind_at_1: String,
    pub remind_at_2: String,
    pub remind_at_3: String,
    pub remind_at_4: String,
    pub remind_was_0: String,
    pub remind_was_1: String,
    pub remind_was_2: String,
    pub remind_was_3: String,
    pub remind_was_4: String,
}

/// One row as typed: (choice, date and time, the instant shown).
struct Typed<'a> {
    choice: &'a str,
    at: &'a str,
    was: &'a str,
}

/// One `<option>` of a row.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One row as the template shows it.
pub struct ReminderRow {
    /// Its index in the field names (`remind_0`).
    pub index: usize,
    /// Its number for people ("Reminder 1").
    pub number: usize,
    /// The field its errors are under (`reminders[0]`).
    pub field: String,
    pub choices: Vec<Choice>,
    /// The `datetime-local` value.
    pub at: String,
    /// The exact instant the page showed, carried back.
    pub was: String,
}

impl ReminderForm {
    fn fields_mut(&mut self, i: usize) -> (&mut String, &mut String, &mut String) {
        match i {
            0 => (
                &mut self.remind_0,
                &mut self.remind_at_0,
                &mut self.remind_was_0,
            ),
            1 => (
                &mut self.remind_1,
                &mut self.remind_at_1,
                &mut self.remind_was_1,
            ),
            2 => (
                &mut self.remind_2,
                &mut self.remind_at_2,
                &mut self.remind_was_2,
            ),
            3 => (
                &mut self.remind_3,
                &mut self.remind_at_3,
                &mut self.remind_was_3,
            ),
            _ => (
                &mut self.remind_4,
                &mut self.remind_at_4,
                &mut self.remind_was_4,
            ),
        }
    }

    fn typed(&self, i: usize) -> Typed<'_> {
        let (choice, at, was) = match i {
            0 => (&self.remind_0, &self.remind_at_0, &self.remind_was_0),
            1 => (&self.remind_1, &self.remind_at_1, &self.remind_was_1),
            2 => (&self.remind_2, &self.remind_at_2, &self.remind_was_2),
            3 => (&self.remind_3, &self.remind_at_3, &self.remind_was_3),
            _ => (&self.remind_4, &self.remind_at_4, &self.remind_was_4),
        };
        Typed {
            choice: choice.trim(),
            at: at.trim(),
            was: was.trim(),
        }
    }

    /// The form showing `reminders` to a user in `zone`.
    pub fn from_reminders(reminders: &[Reminder], zone: &TimeZone) -> Self {
        let mut form = Self::default();
        for (i, r) in reminders.iter().take(MAX_REMINDERS).enumerate() {
            let (choice, at, was) = form.fields_mut(i);
            match r {
                Reminder::Before(text) => *choice = text.clone(),
                Reminder::At(instant) => {
                    *choice = AT.to_owned();
                    *at = local(*instant, zone);
                    *was = format_rfc3339(*instant);
                }
            }
        }
        form
    }

    /// How many rows hold a reminder.
    pub fn count(&self) -> usize {
        (0..MAX_REMINDERS)
            .filter(|&i| {
                let t = self.typed(i);
                !t.choice.is_empty() || !t.at.is_empty()
            })
            .count()
    }

    /// Whether a row asks for a time before the due.
    pub fn asks_before(&self) -> bool {
        (0..MAX_REMINDERS).any(|i| !matches!(self.typed(i).choice, "" | AT))
    }

    /// The rows to show: three, or up to the last one filled in.
    pub fn rows(&self) -> Vec<ReminderRow> {
        let filled = (0..MAX_REMINDERS)
            .rev()
            .find(|&i| {
                let t = self.typed(i);
                !t.choice.is_empty() || !t.at.is_empty() || !t.was.is_empty()
            })
            .map_or(0, |i| i + 1);
        (0..filled.max(ROWS))
            .map(|index| {
                let t = self.typed(index);
                let mut choices: Vec<Choice> = CHOICES
                    .iter()
                    .map(|&(value, label)| Choice {
                        value: value.to_owned(),
                        label: label.to_owned(),
                        selected: value == t.choice,
                    })
                    .collect();
                if !CHOICES.iter().any(|(v, _)| *v == t.choice) {
                    // A time before the due the select does not offer: kept as it is.
                    choices.insert(
                        choices.len() - 1,
                        Choice {
                            value: t.choice.to_owned(),
                            label: capitalised(&describe_before(t.choice)),
                            selected: true,
                        },
                    );
                }
                ReminderRow {
                    index,
                    number: index + 1,
                    field: format!("reminders[{index}]"),
                    choices,
                    at: t.at.to_owned(),
                    was: t.was.to_owned(),
                }
            })
            .collect()
    }

    /// The reminders the rows ask for, for a user in `zone` at `now`, or one error per
    /// row that cannot be read (`reminders[N]`).
    pub fn parse(
        &self,
        zone: &TimeZone,
        now: OffsetDateTime,
    ) -> Result<Vec<Reminder>, Vec<FieldError>> {
        let mut reminders = Vec::new();
        let mut errors = Vec::new();
        for i in 0..MAX_REMINDERS {
            match row(&self.typed(i), &format!("reminders[{i}]"), zone, now) {
                Ok(Some(r)) => reminders.push(r),
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(reminders)
        } else {
            Err(errors)
        }
    }
}

/// The reminder of one row, if it has one.
fn row(
    t: &Typed<'_>,
    field: &str,
    zone: &TimeZone,
    now: OffsetDateTime,
) -> Result<Option<Reminder>, FieldError> {
    // The instant the page showed in this row, while the row still shows it.
    let kept = parse_timestamp(field, t.was)
        .ok()
        .filter(|was| local(*was, zone) == t.at);
    match t.choice {
        // A date and time typed into an empty row is clearly meant; an `at` row switched
        // to "No reminder" is removed.
        "" if !t.at.is_empty() && t.was.is_empty() => at(t.at, field, zone, now).map(Some),
        "" => Ok(None),
        AT => match kept {
            Some(was) => Ok(Some(Reminder::At(was))),
            None if t.at.is_empty() => Err(FieldError::new(
                field,
                "Give the date and time to be reminded at.",
            )),
            None => at(t.at, field, zone, now).map(Some),
        },
        before => {
            if !t.at.is_empty() && t.was.is_empty() {
                return Err(FieldError::new(
                    field,
                    "Choose either a time before the due or “At a date and time”, not both.",
                ));
            }
            Reminder::before(field, before).map(Some)
        }
    }
}

/// An `at` reminder typed as a `datetime-local` value, in `zone`; not in the past.
fn at(
    raw: &str,
    field: &str,
    zone: &TimeZone,
    now: OffsetDateTime,
) -> Result<Reminder, FieldError> {
    let instant = jiff::civil::DateTime::strptime(LOCAL, raw)
        .or_else(|_| jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%S", raw))
        .ok()
        .and_then(|dt| local_instant(zone, dt))
        .ok_or_else(|| {
            FieldError::new(field, "must be a date and time such as 2026-12-24 09:00")
        })?;
    if instant <= now {
        return Err(FieldError::new(
            field,
            "That time has passed: choose a later one.",
        ));
    }
    Ok(Reminder::At(instant))
}

/// `at` as a `datetime-local` value in `zone`.
fn local(at: OffsetDateTime, zone: &TimeZone) -> String {
    zone.to_datetime(to_timestamp(at))
        .strftime(LOCAL)
        .to_string()
}

/// "45 minutes before", "1 day 2 hours before", "at the due time": a `before` duration
/// in words (its text as it is, should it not read).
pub fn describe_before(text: &str) -> String {
    if let Some((_, label)) = CHOICES.iter().find(|(v, _)| *v == text && !v.is_empty()) {
        let mut label = (*label).to_owned();
        label[..1].make_ascii_lowercase();
        return label;
    }
    let Ok(span) = text.parse::<Span>() else {
        return format!("{text} before");
    };
    let parts: Vec<String> = [
        (i64::from(span.get_weeks()), "week"),
        (i64::from(span.get_days()), "day"),
        (i64::from(span.get_hours()), "hour"),
        (span.get_minutes(), "minute"),
        (span.get_seconds(), "second"),
    ]
    .into_iter()
    .filter(|(n, _)| *n != 0)
    .map(|(n, unit)| format!("{n} {unit}{}", if n == 1 { "" } else { "s" }))
    .collect();
    if parts.is_empty() {
        "at the due time".to_owned()
    } else {
        format!("{} before", parts.join(" "))
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").expect("zone")
    }

    #[test]
    fn every_choice_is_a_canonical_duration() {
        for (value, _) in CHOICES.iter().filter(|(v, _)| !v.is_empty() && *v != AT) {
            assert_eq!(
                Reminder::before("r", value).expect(value),
                Reminder::Before((*value).to_owned()),
                "{value} is kept as written, so it is selected again"
            );
        }
    }

    #[test]
    fn rows_read_as_reminders_and_show_them_again() {
        let form = ReminderForm {
            remind_0: "PT30M".into(),
            remind_1: "at".into(),
            remind_at_1: "2026-12-24T09:00".into(),
            remind_3: "P1D".into(),
            ..ReminderForm::default()
        };
        let reminders = form.parse(&berlin(), NOW).expect("valid");
        assert_eq!(
            reminders,
            [
                Reminder::Before("PT30M".into()),
                Reminder::At(datetime!(2026-12-24 08:00 UTC)),
                Reminder::Before("P1D".into()),
            ]
        );
        let shown = ReminderForm::from_reminders(&reminders, &berlin());
        assert_eq!(shown.remind_1, "at");
        assert_eq!(shown.remind_at_1, "2026-12-24T09:00");
        assert_eq!(shown.remind_was_1, "2026-12-24T08:00:00Z");
        assert_eq!(shown.rows().len(), 3);
        assert_eq!(shown.count(), 3);
        assert_eq!(shown.parse(&berlin(), NOW).expect("again"), reminders);
    }

    #[test]
    fn an_unusual_reminder_and_an_exact_instant_are_kept() {
        let exact = datetime!(2026-12-24 08:00:30.123456 UTC);
        let reminders = [
            Reminder::Before("PT45M".into()),
            Reminder::At(exact),
            Reminder::Before("PT0S".into()),
            Reminder::Before("P1DT2H".into()),
        ];
        let form = ReminderForm::from_reminders(&reminders, &berlin());
        let rows = form.rows();
        assert_eq!(rows.len(), 4, "every reminder is shown");
        let selected = |r: &ReminderRow| {
            r.choices
                .iter()
                .find(|c| c.selected)
                .map(|c| (c.value.clone(), c.label.clone()))
        };
        assert_eq!(
            selected(&rows[0]),
            Some(("PT45M".into(), "45 minutes before".into()))
        );
        assert_eq!(
            selected(&rows[3]),
            Some(("P1DT2H".into(), "1 day 2 hours before".into()))
        );
        assert_eq!(rows[1].at, "2026-12-24T09:00");
        // Saved as shown, even long after the at reminder passed: the same reminders.
        let later = datetime!(2027-01-01 0:00 UTC);
        assert_eq!(form.parse(&berlin(), later).expect("kept"), reminders);
        // The time changed: the new one, to the minute.
        let mut moved = form.clone();
        moved.remind_at_1 = "2026-12-24T10:00".into();
        assert_eq!(
            moved.parse(&berlin(), NOW).expect("moved")[1],
            Reminder::At(datetime!(2026-12-24 09:00 UTC))
        );
        // Switched to "No reminder": gone.
        let mut removed = form;
        removed.remind_1 = String::new();
        assert_eq!(removed.parse(&berlin(), NOW).expect("removed").len(), 3);
    }

    #[test]
    fn rows_that_cannot_be_read_name_themselves() {
        let form = ReminderForm {
            remind_0: "at".into(),
            remind_1: "at".into(),
            remind_at_1: "2020-01-01T09:00".into(),
            remind_2: "PT15M".into(),
            remind_at_2: "2026-12-24T09:00".into(),
            remind_3: "half an hour".into(),
            remind_4: "at".into(),
            remind_at_4: "soon".into(),
            ..ReminderForm::default()
        };
        let errors = form.parse(&berlin(), NOW).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "reminders[0]",
                "reminders[1]",
                "reminders[2]",
                "reminders[3]",
                "reminders[4]"
            ]
        );
        assert!(errors[1].message.contains("passed"), "{:?}", errors[1]);
        // A time typed into a row left at "No reminder" is a reminder at that time.
        let typed = ReminderForm {
            remind_at_0: "2026-12-24T09:00".into(),
            ..ReminderForm::default()
        };
        assert_eq!(
            typed.parse(&berlin(), NOW).expect("valid"),
            [Reminder::At(datetime!(2026-12-24 08:00 UTC))]
        );
        assert_eq!(ReminderForm::default().parse(&berlin(), NOW), Ok(vec![]));
    }

    #[test]
    fn durations_are_described_in_words() {
        assert_eq!(describe_before("PT30M"), "30 minutes before");
        assert_eq!(describe_before("PT0S"), "at the due time");
        assert_eq!(describe_before("PT45M"), "45 minutes before");
        assert_eq!(describe_before("PT1H30M"), "1 hour 30 minutes before");
        assert_eq!(describe_before("P2W"), "2 weeks before");
        assert_eq!(describe_before("nonsense"), "nonsense before");
    }
}
