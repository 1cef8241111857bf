//! A task's series as values: the recurrence a client sets ([`RecurrenceSpec`]), the
//! series a task carries ([`Recurrence`]: where it started and how far it has come, with
//! its stored form), and a completed [`Occurrence`].

use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::Rule;

/// Where the next due is reckoned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecurFrom {
    /// The rule's next occurrence after the completed one (and after now).
    #[default]
    Due,
    /// One interval of the rule after the completion.
    Completion,
}

/// A recurrence as clients set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrenceSpec {
    /// The rule.
    pub rule: Rule,
    /// From the due or from completion.
    pub from: RecurFrom,
}

/// A task's series: what the client set, where it started, and how far it has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    /// The rule and its mode.
    pub spec: RecurrenceSpec,
    /// The first due of the series as a wall-clock date and time in the user's zone.
    pub start: DateTime,
    /// The number of the current due in the series (1 for the first).
    pub index: u32,
}

/// The stored form (the `recurrence` column).
#[derive(Serialize, Deserialize)]
struct Stored {
    rule: String,
    from: RecurFrom,
    start: String,
    index: u32,
}

impl Recurrence {
    /// The column's text.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(&Stored {
            rule: self.spec.rule.to_string(),
            from: self.spec.from,
            start: self.start.to_string(),
            index: self.index,
        })
        .unwrap_or_default()
    }

    /// Reads the column's text.
    pub fn from_stored(text: &str) -> Result<Self, String> {
        let stored: Stored = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Self {
            spec: RecurrenceSpec {
                rule: Rule::parse(&stored.rule).map_err(|e| e.message)?,
                from: stored.from,
            },
            start: stored
                .start
                .parse()
                .map_err(|e: jiff::Error| e.to_string())?,
            index: stored.index,
        })
    }
}

/// One completed occurrence of a recurring task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The due it had, if timed.
    pub due_at: Option<OffsetDateTime>,
    /// The due it had, if all day.
    pub due_date: Option<Date>,
    /// When it was completed.
    pub completed_at: OffsetDateTime,
    /// Who completed it.
    pub completed_by: Uuid,
    /// Its number in the series (`None` when recorded before this was kept), where
    /// undoing the completion puts the series back.
    pub index: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_reads_back() {
        let recurrence = Recurrence {
            spec: RecurrenceSpec {
                rule: Rule::parse("FREQ=WEEKLY;BYDAY=MO,FR;COUNT=5").expect("rule"),
                from: RecurFrom::Completion,
            },
            start: jiff::civil::date(2026, 12, 4).at(9, 30, 0, 0),
            index: 3,
        };
        let text = recurrence.to_stored();
        assert_eq!(Recurrence::from_stored(&text), Ok(recurrence));
        assert!(Recurrence::from_stored("{}").is_err());
        assert!(
            Recurrence::from_stored(
                r#"{"rule":"FREQ=HOURLY","from":"due","start":"2026-12-04T09:30:00","index":1}"#
            )
            .is_err()
        );
    }
}
