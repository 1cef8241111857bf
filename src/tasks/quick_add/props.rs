//! Property tests of [`parse`]: whatever the text and the clock, it never panics, never
//! loses a word, and what it returns agrees with the roles it gives the words.

use jiff::civil::{DateTime, datetime};
use proptest::prelude::*;

use super::{QuickAdd, Role, parse};
use crate::tasks::model::{MAX_TAG, MAX_TAGS};
use crate::tasks::recurrence::Rule;

/// Grammar words, near misses and ordinary words.
const VOCAB: &[&str] = &[
    "every",
    "every!",
    "EVERY!",
    "Every",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "weekday",
    "weekend",
    "mon",
    "Mon,",
    "friday",
    "fri.",
    "tue,thu",
    "sundays",
    "and",
    ",",
    "&",
    "on",
    "at",
    "by",
    "due",
    "the",
    "of",
    "last",
    "first",
    "second",
    "1st",
    "2nd",
    "15th",
    "31st",
    "6th",
    "other",
    "in",
    "a",
    "0",
    "1",
    "3",
    "12",
    "1001",
    "today",
    "tomorrow",
    "tmrw",
    "next",
    "this",
    "dec",
    "Dec",
    "24",
    "24th",
    "feb",
    "29",
    "30",
    "2026-12-24",
    "2020-01-01",
    "2027",
    "9am",
    "9:30PM",
    "9",
    "pm",
    "17:30",
    "24:00",
    "noon",
    "midnight",
    "#home",
    "#Home",
    "#42",
    "#",
    "##x",
    "!high",
    "!low",
    "!urgent",
    "@Groceries",
    "@",
    "milk",
    "call",
    "mom",
    "Ünïcode",
    "x",
    "\u{7}",
];

/// A clock anywhere from 1970 to 2199.
fn clock() -> impl Strategy<Value = DateTime> {
    (1970i16..2200, 1i8..=12, 1i8..=28, 0i8..24, 0i8..60, 0i8..60)
        .prop_map(|(y, mo, d, h, mi, s)| datetime(y, mo, d, h, mi, s, 0))
}

/// Words from the vocabulary and random ones, between runs of assorted whitespace.
fn phrase() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        4 => proptest::sample::select(VOCAB).prop_map(String::from),
        1 => "[a-zA-Z0-9#!@:,.-]{1,8}",
    ];
    let gap = proptest::sample::select(&[" ", " ", "  ", "\t", "\n", "\u{a0}"][..]);
    (
        proptest::collection::vec((gap, word), 0..20),
        proptest::sample::select(&["", " ", "\t"][..]),
    )
        .prop_map(|(parts, end)| {
            let mut text: String = parts.into_iter().flat_map(|(g, w)| [g.into(), w]).collect();
            text.push_str(end);
            text
        })
}

/// Any characters: controls, NUL, combining marks, astral ones, all kinds of whitespace.
fn anything() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..120).prop_map(|c| c.into_iter().collect())
}

/// A word as the marks read it: less trailing punctuation and the leading sign.
fn mark_name(word: &str, sign: char) -> Option<&str> {
    word.trim_end_matches([',', '.', ';', ':'])
        .strip_prefix(sign)
}

/// The words of `role` form one unbroken run (or none).
fn one_run(q: &QuickAdd, role: Role) -> bool {
    let at: Vec<usize> = (0..q.words.len())
        .filter(|k| q.words.get(*k).is_some_and(|w| w.role == role))
        .collect();
    at.windows(2).all(|w| w[1] == w[0] + 1)
}

fn check(text: &str, now: DateTime) -> Result<(), TestCaseError> {
    let q = parse(text, now);
    let has = |role: Role| q.words.iter().any(|w| w.role == role);
    let count = |role: Role| q.words.iter().filter(|w| w.role == role).count();

    // Never loses a word, and the title is the title words.
    let texts: Vec<&str> = q.words.iter().map(|w| w.text.as_str()).collect();
    prop_assert_eq!(texts, text.split_whitespace().collect::<Vec<_>>());
    let title: Vec<&str> = q
        .words
        .iter()
        .filter(|w| w.role == Role::Title)
        .map(|w| w.text.as_str())
        .collect();
    prop_assert_eq!(&q.title, &title.join(" "));
    prop_assert_eq!(q.title.is_empty(), q.words.is_empty());

    // Each part is there exactly when words carry its role.
    prop_assert_eq!(q.due_time.is_some(), has(Role::Time));
    prop_assert_eq!(q.recurrence.is_some(), has(Role::Recurrence));
    prop_assert_eq!(
        q.due_date.is_some(),
        has(Role::Date) || has(Role::Time) || has(Role::Recurrence)
    );
    prop_assert_eq!(q.priority.is_some(), count(Role::Priority) == 1);
    prop_assert!(count(Role::Priority) <= 1 && count(Role::List) <= 1);
    for role in [Role::Date, Role::Time, Role::Recurrence] {
        prop_assert!(one_run(&q, role), "{:?} words are not one run", role);
    }

    // Dates are never in the past; a time never comes without a date, and a lone time is
    // the next such time.
    prop_assert!(q.due_time.is_none() || q.due_date.is_some());
    if let Some(due) = q.due_date {
        prop_assert!(due >= now.date(), "{} is before {}", due, now);
    }
    if let (Some(day), Some(t), false, false) = (
        q.due_date,
        q.due_time,
        has(Role::Date),
        has(Role::Recurrence),
    ) {
        let due = day.to_datetime(t);
        prop_assert!(due > now && now.date().tomorrow().is_ok_and(|d| day <= d));
    }

    // The rule is canonical.
    if let Some(r) = &q.recurrence {
        let rule = Rule::parse(&r.rule);
        prop_assert!(rule.is_ok(), "{} is refused", r.rule);
        let printed = rule.map(|r| r.to_string()).ok();
        prop_assert_eq!(printed.as_deref(), Some(r.rule.as_str()));
    }

    // Tags obey the tag rules and are the tag words, deduplicated.
    prop_assert!(q.tags.len() <= MAX_TAGS);
    for (k, tag) in q.tags.iter().enumerate() {
        let n = tag.chars().count();
        prop_assert!((1..=MAX_TAG).contains(&n) && !tag.chars().any(char::is_control));
        prop_assert_eq!(tag, &tag.to_lowercase());
        prop_assert!(!q.tags.iter().skip(k + 1).any(|t| t == tag));
    }
    let mut from_words: Vec<String> = Vec::new();
    for w in q.words.iter().filter(|w| w.role == Role::Tag) {
        let name = mark_name(&w.text, '#').map(str::to_lowercase);
        prop_assert!(name.is_some(), "tag word {}", w.text);
        if let Some(name) = name.filter(|n| !from_words.contains(n)) {
            from_words.push(name);
        }
    }
    prop_assert_eq!(&from_words, &q.tags);

    // The list is the list word's name.
    let list_word = q.words.iter().find(|w| w.role == Role::List);
    prop_assert_eq!(
        q.list.as_deref(),
        list_word.and_then(|w| mark_name(&w.text, '@'))
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn phrases_of_grammar_words_keep_every_word(text in phrase(), now in clock()) {
        check(&text, now)?;
    }

    #[test]
    fn any_text_keeps_every_word(text in anything(), now in clock()) {
        check(&text, now)?;
    }

    #[test]
    fn the_edges_of_time_do_not_panic(text in phrase(), late in any::<bool>()) {
        let now = if late {
            datetime(9999, 12, 31, 23, 59, 59, 999_999_999)
        } else {
            datetime(-9999, 1, 1, 0, 0, 0, 0)
        };
        check(&text, now)?;
    }
}

#[test]
fn long_texts_are_read_whole() {
    let text = "call mom every mon, fri at 9am #home !high @Bills and then some ".repeat(200);
    let q = parse(&text, datetime(2026, 12, 2, 10, 0, 0, 0));
    assert_eq!(q.words.len(), text.split_whitespace().count());
    assert_eq!(q.tags, ["home"]);
    assert_eq!(
        q.recurrence.map(|r| r.rule).as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO,FR")
    );
    let taken = q.words.iter().filter(|w| w.role != Role::Title).count();
    // The first copy's phrases and every copy's `#home` (a repeated tag is still a tag).
    assert_eq!(taken, 3 + 2 + 1 + 1 + 1 + 199);
}
