//! A rule in words, for people: "Every week on Mon, Fri", "Every month on the last day".
//! Rules the sentence would not say exactly (`BYSETPOS`, several `BYMONTH`s with days,
//! ...) are shown as their rule text.

use jiff::civil::Weekday;

use super::{Freq, Rule, Until};

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

fn ordinal(n: i64) -> String {
    match n {
        -1 => "last".to_owned(),
        -2 => "second to last".to_owned(),
        n => {
            let suffix = match (n % 10, n % 100) {
                (1, r) if r != 11 => "st",
                (2, r) if r != 12 => "nd",
                (3, r) if r != 13 => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Rule {
    /// The rule in words, or its text when the words would not be exact.
    pub fn describe(&self) -> String {
        // One choice of each kind, in the kinds a sentence says: weekdays for weekly
        // and monthly rules, one day of the month, one month for yearly rules.
        let simple_daily =
            self.freq != Freq::Daily || (self.by_month_day.is_empty() && self.by_day.is_empty());
        let exact = self.by_set_pos.is_empty()
            && (self.by_month.is_empty() || self.freq == Freq::Yearly)
            && simple_daily
            && self.by_month.len() <= 1
            && self.by_month_day.len() <= 1
            && (self.by_month_day.is_empty() || self.by_day.is_empty());
        if !exact {
            return self.to_string();
        }
        let n = self.interval;
        let unit = |one: &str, many: &str| {
            if n == 1 {
                format!("Every {one}")
            } else {
                format!("Every {n} {many}")
            }
        };
        let weekdays = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ];
        let days: Vec<String> = self
            .by_day
            .iter()
            .map(|d| match d.ordinal {
                Some(o) => format!("{} {}", ordinal(i64::from(o)), day_name(d.weekday)),
                None => day_name(d.weekday).to_owned(),
            })
            .collect();
        let mut text = match self.freq {
            Freq::Daily => unit("day", "days"),
            Freq::Weekly
                if n == 1
                    && self.by_day.len() == 5
                    && weekdays
                        .iter()
                        .all(|w| self.by_day.iter().any(|d| d.weekday == *w)) =>
            {
                "Every weekday".to_owned()
            }
            Freq::Weekly => unit("week", "weeks"),
            Freq::Monthly => unit("month", "months"),
            Freq::Yearly => unit("year", "years"),
        };
        if text != "Every weekday" && !days.is_empty() {
            text.push_str(" on ");
            text.push_str(&days.join(", "));
        }
        if let Some(day) = self.by_month_day.first() {
            let day = i64::from(*day);
            text.push_str(&if day == -1 {
                " on the last day".to_owned()
            } else {
                format!(" on the {}", ordinal(day))
            });
        }
        if let Some(month) = self.by_month.first() {
            let name = usize::try_from(*month - 1)
                .ok()
                .and_then(|i| MONTHS.get(i))
                .copied()
                .unwrap_or("?");
            text.push_str(&format!(" in {name}"));
        }
        match (self.count, self.until) {
            (Some(1), _) => text.push_str(", once"),
            (Some(c), _) => text.push_str(&format!(", {c} times")),
            (None, Some(Until::Date(d))) => text.push_str(&format!(", until {d}")),
            (None, Some(Until::Instant(t))) => {
                text.push_str(&format!(", until {}", t.strftime("%Y-%m-%d %H:%M UTC")));
            }
            (None, None) => {}
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_sentences_or_as_their_text() {
        for (rule, words) in [
            ("FREQ=DAILY", "Every day"),
            ("FREQ=DAILY;INTERVAL=3", "Every 3 days"),
            ("FREQ=WEEKLY;BYDAY=MO,FR", "Every week on Mon, Fri"),
            ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
            ("FREQ=WEEKLY;INTERVAL=2", "Every 2 weeks"),
            ("FREQ=MONTHLY;BYMONTHDAY=1", "Every month on the 1st"),
            ("FREQ=MONTHLY;BYMONTHDAY=-1", "Every month on the last day"),
            ("FREQ=MONTHLY;BYDAY=-1FR", "Every month on last Fri"),
            ("FREQ=MONTHLY;BYDAY=2TU", "Every month on 2nd Tue"),
            (
                "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
                "Every year on the 24th in Dec",
            ),
            ("FREQ=DAILY;COUNT=5", "Every day, 5 times"),
            ("FREQ=WEEKLY;UNTIL=20261231", "Every week, until 2026-12-31"),
            (
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            ),
            ("FREQ=DAILY;BYMONTH=1,2", "FREQ=DAILY;BYMONTH=1,2"),
        ] {
            let parsed = Rule::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
            assert_eq!(parsed.describe(), words, "{rule}");
        }
    }
}
