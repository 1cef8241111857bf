//! Recurrence against an independent implementation: thousands of generated rules, start
//! dates and zones, each rolled forward by Taskward's own code (`Roll`, as completing a
//! `from: due` task does) and expanded by python-dateutil's `rrule`
//! (`tests/oracles/rrule.py`, from the virtualenv `ORACLE_VENV` that `.ci/run` makes from
//! `tests/oracles/requirements.txt`). Without it the test is skipped, and fails under
//! `CI=true`.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use taskward::tasks::recurrence::{Due, Roll, Rule};

const CASES: usize = 3000;
const OCCURRENCES: usize = 25;
const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
];
const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// A small deterministic generator (xorshift64*), so a failure names a case that can be
/// rerun.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).expect("index")]
    }
    /// Up to `most` distinct values from `make`, sorted.
    fn some<T: Ord>(&mut self, most: u64, mut make: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let mut out: Vec<T> = (0..=self.below(most)).map(|_| make(self)).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// One generated case: the rule text, the start (local), the zone.
fn case(g: &mut Gen) -> (String, DateTime, bool, &'static str) {
    let freq = *g.pick(&["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]);
    let mut parts = vec![format!("FREQ={freq}")];
    if g.chance(40) {
        parts.push(format!("INTERVAL={}", 2 + g.below(3)));
    }
    let by_month = g.chance(25).then(|| g.some(3, |g| 1 + g.below(12)));
    if let Some(months) = &by_month {
        let list: Vec<String> = months.iter().map(u64::to_string).collect();
        parts.push(format!("BYMONTH={}", list.join(",")));
    }
    // Ordinal weekdays only where RFC 5545 allows them, never mixed with plain ones and
    // never with BYMONTHDAY (dateutil intersects a mix, RFC 5545 unites it; a 5th Monday
    // that must also be the 3rd may never come).
    let ordinals = matches!(freq, "MONTHLY" | "YEARLY") && g.chance(40);
    let by_day = g.chance(45);
    if by_day {
        let days = g.some(2, |g| g.below(7));
        let list: Vec<String> = days
            .iter()
            .map(|d| {
                let code = WEEKDAYS[usize::try_from(*d).expect("weekday")];
                if ordinals {
                    let n = *g.pick(&[1, 2, 3, 4, -1, -2]);
                    format!("{n}{code}")
                } else {
                    code.to_owned()
                }
            })
            .collect();
        parts.push(format!("BYDAY={}", list.join(",")));
    }
    if freq != "WEEKLY" && !(by_day && ordinals) && g.chance(35) {
        // Day 29 to 31 only where every month is possible, so no rule waits forever.
        let wide = by_month.is_none();
        let days = g.some(2, |g| {
            let day = 1 + g.below(if wide { 31 } else { 28 });
            if g.chance(30) {
                -i64::try_from(day).expect("day")
            } else {
                i64::try_from(day).expect("day")
            }
        });
        let list: Vec<String> = days.iter().map(i64::to_string).collect();
        parts.push(format!("BYMONTHDAY={}", list.join(",")));
    }
    // BYSETPOS where each period has several dates to pick from (so every rule has dates),
    // and not in weekly rules: dateutil applies it to the start's week from the start on,
    // RFC 5545 to the whole week (see `a_weekly_set_position_counts_the_whole_week`).
    if matches!(freq, "MONTHLY" | "YEARLY") && by_day && !ordinals && g.chance(40) {
        let positions = g.some(1, |g| *g.pick(&[1, 2, -1, -2]));
        let list: Vec<String> = positions.iter().map(i64::to_string).collect();
        parts.push(format!("BYSETPOS={}", list.join(",")));
    }
    if g.chance(15) {
        parts.push(format!("WKST={}", g.pick(&WEEKDAYS)));
    }
    let year = 2020 + i16::try_from(g.below(16)).expect("year");
    let month = 1 + i8::try_from(g.below(12)).expect("month");
    let day = 1 + i8::try_from(g.below(28)).expect("day");
    let timed = g.chance(50);
    let (hour, minute) = *g.pick(&[(9, 30), (0, 0), (2, 30), (23, 15), (17, 0)]);
    let start = Date::new(year, month, day).expect("date").at(
        if timed { hour } else { 0 },
        if timed { minute } else { 0 },
        0,
        0,
    );
    match g.below(4) {
        0 => parts.push(format!("COUNT={}", 1 + g.below(30))),
        1 => {
            let until = start.date().saturating_add(
                jiff::Span::new().days(i64::try_from(g.below(3 * 366)).expect("days")),
            );
            if timed {
                parts.push(format!("UNTIL={}T120000Z", until.strftime("%Y%m%d")));
            } else {
                parts.push(format!("UNTIL={}", until.strftime("%Y%m%d")));
            }
        }
        _ => {}
    }
    (parts.join(";"), start, timed, *g.pick(&ZONES))
}

/// Taskward's series: the start, then each due completing the last one gives.
fn taskward_series(rule: &str, start: DateTime, timed: bool, zone: &str) -> Vec<String> {
    let rule = Rule::parse(rule).unwrap_or_else(|e| panic!("{rule}: {e:?}"));
    let zone = TimeZone::get(zone).expect("zone");
    let roll = Roll {
        rule: &rule,
        from_completion: false,
        start,
        index: 1,
        zone: &zone,
    };
    let first_instant = zone.to_timestamp(start).expect("start instant");
    let mut due = if timed {
        Due::At(first_instant)
    } else {
        Due::On(start.date())
    };
    let mut out = Vec::new();
    loop {
        out.push(match due {
            Due::At(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Due::On(d) => d.to_string(),
        });
        if out.len() >= OCCURRENCES {
            return out;
        }
        match roll.next(due, first_instant) {
            Some((next, _)) => due = next,
            None => return out,
        }
    }
}

#[test]
fn thousands_of_rules_roll_as_python_dateutil_expands_them() {
    let Some(python) = crate::helpers::oracle_python("the recurrence oracle") else {
        return;
    };
    let mut g = Gen(0x5EED_2026_1204);
    let cases: Vec<(String, DateTime, bool, &str)> = (0..CASES).map(|_| case(&mut g)).collect();
    let input: Vec<Value> = cases
        .iter()
        .map(|(rule, start, timed, zone)| {
            let start = if *timed {
                start.strftime("%Y-%m-%dT%H:%M:%S").to_string()
            } else {
                start.date().to_string()
            };
            json!({"rule": rule, "start": start, "zone": zone, "n": OCCURRENCES})
        })
        .collect();
    let began = std::time::Instant::now();
    let stdout = crate::helpers::run_oracle(
        &python,
        "rrule.py",
        serde_json::to_string(&input).expect("json").as_bytes(),
    );
    let expected: Vec<Vec<String>> = serde_json::from_slice(&stdout).expect("series");
    assert_eq!(expected.len(), cases.len());
    eprintln!("dateutil expanded {CASES} rules in {:?}", began.elapsed());
    let began = std::time::Instant::now();
    let mut differ = Vec::new();
    let mut occurrences = 0;
    for ((rule, start, timed, zone), want) in cases.iter().zip(&expected) {
        let got = taskward_series(rule, *start, *timed, zone);
        occurrences += got.len();
        if &got != want {
            differ.push(format!(
                "{rule} from {start} in {zone} ({}):\n  taskward {got:?}\n  dateutil {want:?}",
                if *timed { "timed" } else { "all day" }
            ));
        }
    }
    eprintln!("taskward rolled them in {:?}", began.elapsed());
    assert!(
        differ.is_empty(),
        "{} of {CASES} series differ; the first:\n{}",
        differ.len(),
        differ
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The generator makes real series, not just their starts.
    assert!(occurrences > CASES * 10, "only {occurrences} occurrences");
}

#[test]
fn a_weekly_set_position_counts_the_whole_week() {
    // The second of Friday and Sunday in weeks from Sunday is the Friday; the start's week
    // (Sunday 23 to Saturday 29 February 2020) has its Friday after the start, so it is
    // the next date. dateutil would count only the days from the start on, and skip it.
    let rule = Rule::parse("FREQ=WEEKLY;BYDAY=FR,SU;BYSETPOS=2;WKST=SU").expect("rule");
    let start = Date::new(2020, 2, 26).expect("date");
    let dates: Vec<String> = rule.dates(start).take(3).map(|d| d.to_string()).collect();
    assert_eq!(dates, ["2020-02-26", "2020-02-28", "2020-03-06"]);
}

#[test]
fn weekday_lists_that_mix_ordinals_unite_as_rfc_5545_says() {
    // dateutil intersects `MO,1FR` (no dates); RFC 5545 takes every Monday and the first
    // Friday, which is what Taskward does.
    let rule = Rule::parse("FREQ=MONTHLY;BYDAY=MO,1FR").expect("rule");
    let start = Date::new(2026, 12, 4).expect("date");
    let dates: Vec<String> = rule.dates(start).take(6).map(|d| d.to_string()).collect();
    assert_eq!(
        dates,
        [
            "2026-12-04",
            "2026-12-07",
            "2026-12-14",
            "2026-12-21",
            "2026-12-28",
            "2027-01-01"
        ]
    );
    assert_eq!(
        Date::new(2027, 1, 1).expect("date").weekday(),
        Weekday::Friday
    );
}
