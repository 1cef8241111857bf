//! Reading a rule value: the documented subset, and the combinations RFC 5545 allows.

use jiff::civil::{Date, DateTime, Weekday};

use super::{Freq, MAX_COUNT, MAX_INTERVAL, Rule, Until, WeekdayNum};
use crate::error::FieldError;

/// Longest rule text accepted.
const MAX_RULE: usize = 500;

fn invalid(message: impl Into<String>) -> FieldError {
    FieldError::new("recurrence.rule", message)
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

/// A comma-separated list of signed numbers within `±max`, zero excluded.
fn signed_list<T: TryFrom<i32>>(part: &str, value: &str, max: i32) -> Result<Vec<T>, FieldError> {
    value
        .split(',')
        .map(|v| {
            v.parse::<i32>()
                .ok()
                .filter(|n| *n != 0 && n.abs() <= max)
                .and_then(|n| T::try_from(n).ok())
                .ok_or_else(|| {
                    invalid(format!(
                        "`{part}={value}`: each value must be from 1 to {max} or from -{max} to -1"
                    ))
                })
        })
        .collect()
}

fn by_day(value: &str) -> Result<Vec<WeekdayNum>, FieldError> {
    value
        .split(',')
        .map(|v| {
            let split = v.len().saturating_sub(2);
            let (num, code) = (v.get(..split).unwrap_or(""), v.get(split..).unwrap_or(""));
            let bad = || {
                invalid(format!(
                    "`BYDAY={value}`: `{v}` is not a weekday such as MO, 2TU or -1FR"
                ))
            };
            let weekday = weekday(code).ok_or_else(bad)?;
            let ordinal = if num.is_empty() {
                None
            } else {
                let n: i8 = num.parse().map_err(|_| bad())?;
                if n == 0 || n.abs() > 53 {
                    return Err(bad());
                }
                Some(n)
            };
            Ok(WeekdayNum { ordinal, weekday })
        })
        .collect()
}

fn until(value: &str) -> Result<Until, FieldError> {
    let digits = |v: &str| v.bytes().all(|b| b.is_ascii_digit());
    let read = || -> Option<Until> {
        match (value.len(), value.split_once('T')) {
            (8, None) if digits(value) => Date::strptime("%Y%m%d", value).ok().map(Until::Date),
            (16, Some((day, time)))
                if digits(day) && time.strip_suffix('Z').is_some_and(digits) =>
            {
                let at = DateTime::strptime("%Y%m%dT%H%M%SZ", value).ok()?;
                jiff::tz::TimeZone::UTC
                    .to_timestamp(at)
                    .ok()
                    .map(Until::Instant)
            }
            _ => None,
        }
    };
    read().ok_or_else(|| {
        invalid(format!(
            "`UNTIL={value}` must be a date like 20261224 or a UTC time like 20261224T170000Z"
        ))
    })
}

impl Rule {
    /// Reads a rule value (`FREQ=WEEKLY;BYDAY=MO,FR`, without `RRULE:`), refusing what the
    /// subset does not support and what RFC 5545 forbids, naming the part.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        if text.is_empty() || text.len() > MAX_RULE {
            return Err(invalid(format!(
                "must be a rule like FREQ=WEEKLY;BYDAY=MO of at most {MAX_RULE} characters"
            )));
        }
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid("must not contain spaces or control characters"));
        }
        let mut rule = Self {
            freq: Freq::Daily,
            interval: 1,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
            count: None,
            until: None,
            week_start: Weekday::Monday,
        };
        let mut seen: Vec<String> = Vec::new();
        let mut freq = None;
        for part in text.trim_end_matches(';').split(';') {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| invalid(format!("`{part}` is not a NAME=VALUE part")))?;
            let name = name.to_ascii_uppercase();
            let value = value.to_ascii_uppercase();
            if seen.contains(&name) {
                return Err(invalid(format!("`{name}` is given twice")));
            }
            seen.push(name.clone());
            if value.is_empty() {
                return Err(invalid(format!("`{name}` has no value")));
            }
            match name.as_str() {
                "FREQ" => {
                    freq = Some(match value.as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => {
                            return Err(invalid(format!(
                                "`FREQ={value}` is not supported: use DAILY, WEEKLY, MONTHLY or YEARLY"
                            )));
                        }
                    });
                }
                "INTERVAL" => {
                    rule.interval = value
                        .parse::<u16>()
                        .ok()
                        .filter(|n| (1..=MAX_INTERVAL).contains(n))
                        .ok_or_else(|| {
                            invalid(format!(
                                "`INTERVAL={value}` must be from 1 to {MAX_INTERVAL}"
                            ))
                        })?;
                }
                "COUNT" => {
                    rule.count = Some(
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|n| (1..=MAX_COUNT).contains(n))
                            .ok_or_else(|| {
                                invalid(format!("`COUNT={value}` must be from 1 to {MAX_COUNT}"))
                            })?,
                    );
                }
                "UNTIL" => rule.until = Some(until(&value)?),
                "BYDAY" => rule.by_day = by_day(&value)?,
                "BYMONTHDAY" => rule.by_month_day = signed_list("BYMONTHDAY", &value, 31)?,
                "BYSETPOS" => rule.by_set_pos = signed_list("BYSETPOS", &value, 366)?,
                "BYMONTH" => {
                    rule.by_month = value
                        .split(',')
                        .map(|m| {
                            m.parse::<i8>()
                                .ok()
                                .filter(|n| (1..=12).contains(n))
                                .ok_or_else(|| {
                                    invalid(format!(
                                        "`BYMONTH={value}`: each month must be from 1 to 12"
                                    ))
                                })
                        })
                        .collect::<Result<_, _>>()?;
                }
                "WKST" => {
                    rule.week_start = weekday(&value).ok_or_else(|| {
                        invalid(format!("`WKST={value}` must be a weekday such as MO"))
                    })?;
                }
                other => {
                    return Err(invalid(format!(
                        "`{other}` is not supported (supported: FREQ, INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, COUNT, UNTIL, WKST)"
                    )));
                }
            }
        }
        rule.freq = freq.ok_or_else(|| invalid("`FREQ` is required"))?;
        rule.check()?;
        Ok(rule)
    }

    /// The combinations RFC 5545 section 3.3.10 forbids.
    fn check(&self) -> Result<(), FieldError> {
        if self.count.is_some() && self.until.is_some() {
            return Err(invalid("`COUNT` and `UNTIL` cannot both be given"));
        }
        let ordinals = self.by_day.iter().any(|d| d.ordinal.is_some());
        if ordinals && !matches!(self.freq, Freq::Monthly | Freq::Yearly) {
            return Err(invalid(
                "`BYDAY` with an ordinal (2MO, -1FR) needs FREQ=MONTHLY or FREQ=YEARLY",
            ));
        }
        if self.freq == Freq::Weekly && !self.by_month_day.is_empty() {
            return Err(invalid("`BYMONTHDAY` cannot be used with FREQ=WEEKLY"));
        }
        if !self.by_set_pos.is_empty()
            && self.by_day.is_empty()
            && self.by_month_day.is_empty()
            && self.by_month.is_empty()
        {
            return Err(invalid(
                "`BYSETPOS` needs BYDAY, BYMONTHDAY or BYMONTH to choose from",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_documented_subset_reads_and_prints_canonically() {
        for (raw, canonical) in [
            ("FREQ=DAILY", "FREQ=DAILY"),
            ("freq=weekly;byday=mo,fr", "FREQ=WEEKLY;BYDAY=MO,FR"),
            ("FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=31"),
            ("FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYMONTHDAY=-1"),
            ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
            (
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            ),
            (
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            ),
            (
                "FREQ=WEEKLY;INTERVAL=2;COUNT=10;WKST=SU",
                "FREQ=WEEKLY;INTERVAL=2;COUNT=10;WKST=SU",
            ),
            ("FREQ=DAILY;UNTIL=20261224", "FREQ=DAILY;UNTIL=20261224"),
            (
                "FREQ=DAILY;UNTIL=20261224T170000Z;INTERVAL=1",
                "FREQ=DAILY;UNTIL=20261224T170000Z",
            ),
        ] {
            let rule = Rule::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            assert_eq!(rule.to_string(), canonical, "{raw}");
            assert_eq!(
                Rule::parse(canonical).as_ref(),
                Ok(&rule),
                "{canonical} reads back"
            );
        }
    }

    #[test]
    fn anything_else_is_refused_naming_the_part() {
        for (raw, names) in [
            ("", "FREQ=WEEKLY"),
            ("INTERVAL=2", "`FREQ` is required"),
            ("FREQ=HOURLY", "`FREQ=HOURLY`"),
            ("FREQ=DAILY;BYHOUR=9", "`BYHOUR`"),
            ("FREQ=DAILY;INTERVAL=0", "`INTERVAL=0`"),
            ("FREQ=DAILY;COUNT=2;UNTIL=20261224", "`COUNT` and `UNTIL`"),
            ("FREQ=WEEKLY;BYDAY=2MO", "ordinal"),
            ("FREQ=WEEKLY;BYMONTHDAY=1", "`BYMONTHDAY`"),
            ("FREQ=MONTHLY;BYMONTHDAY=32", "`BYMONTHDAY=32`"),
            ("FREQ=MONTHLY;BYMONTHDAY=0", "`BYMONTHDAY=0`"),
            ("FREQ=MONTHLY;BYDAY=XX", "`XX`"),
            ("FREQ=MONTHLY;BYDAY=54MO", "`54MO`"),
            ("FREQ=YEARLY;BYMONTH=13", "`BYMONTH=13`"),
            ("FREQ=DAILY;BYSETPOS=1", "`BYSETPOS`"),
            ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
            ("FREQ=DAILY;UNTIL=tomorrow", "`UNTIL=TOMORROW`"),
            ("FREQ=DAILY;WKST=XX", "`WKST=XX`"),
            ("FREQ=DAILY;UNTIL=2026122", "`UNTIL=2026122`"),
            ("FREQ=DAILY;UNTIL=20261301", "`UNTIL=20261301`"),
            ("FREQ=DAILY;UNTIL=+2026122", "`UNTIL=+2026122`"),
            (
                "FREQ=DAILY;UNTIL=20261224T250000Z",
                "`UNTIL=20261224T250000Z`",
            ),
            (
                "FREQ=DAILY;UNTIL=20261224T170000",
                "`UNTIL=20261224T170000`",
            ),
            ("FREQ=DAILY; COUNT=2", "spaces"),
            ("FREQ", "NAME=VALUE"),
        ] {
            let e = Rule::parse(raw).expect_err(raw);
            assert_eq!(e.field, "recurrence.rule");
            assert!(e.message.contains(names), "{raw}: {}", e.message);
        }
    }

    #[test]
    fn one_interval_is_what_from_completion_adds() {
        let step = |raw| Rule::parse(raw).map(|r| r.step());
        assert_eq!(step("FREQ=DAILY;INTERVAL=3"), Ok((0, 3)));
        assert_eq!(step("FREQ=WEEKLY;INTERVAL=2"), Ok((0, 14)));
        assert_eq!(step("FREQ=MONTHLY"), Ok((1, 0)));
        assert_eq!(step("FREQ=YEARLY;INTERVAL=2"), Ok((24, 0)));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Never a panic, and a rule that reads prints a text that reads back to it.
        #[test]
        fn rules_never_panic_and_round_trip(raw in "(FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY|X);)?((INTERVAL|COUNT|BYMONTHDAY|BYSETPOS|BYMONTH|BYDAY|UNTIL|WKST)=[-0-9A-Z,]{0,8};){0,4}") {
            if let Ok(rule) = Rule::parse(&raw) {
                let text = rule.to_string();
                prop_assert_eq!(Rule::parse(&text), Ok(rule));
            }
        }
    }
}
