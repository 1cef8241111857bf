//! Property tests (proptest) of the task values and the list cursor: whatever a client
//! sends, parsing never panics, accepted values obey the rules, and normalising twice
//! changes nothing.

use proptest::prelude::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::model::{
    Description, MAX_DESCRIPTION, MAX_TAG, MAX_TAGS, MAX_TITLE, Priority, Tags, TaskTitle,
};
use super::order::{Sort, SortKey};
use super::query::{Cursor, CursorKey, ListQuery};
use crate::timestamp::parse_timestamp;

/// Any text, including controls, NUL, combining marks and astral characters.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(|c| c.into_iter().collect())
}

fn sort() -> impl Strategy<Value = Sort> {
    prop_oneof![
        Just("created_at"),
        Just("-created_at"),
        Just("updated_at"),
        Just("-updated_at"),
        Just("due_at"),
        Just("-due_at"),
        Just("priority"),
        Just("-priority"),
        Just("title"),
        Just("-title"),
    ]
    .prop_map(|s| Sort::parse(s).expect("a listed sort order"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_title_is_accepted_exactly_when_the_rules_allow_it(raw in text(260)) {
        let trimmed = raw.trim();
        let valid = !trimmed.is_empty()
            && trimmed.chars().count() <= MAX_TITLE
            && !trimmed.chars().any(char::is_control);
        match TaskTitle::parse(&raw) {
            Ok(title) => {
                prop_assert!(valid);
                prop_assert_eq!(title.as_str(), trimmed);
                prop_assert_eq!(TaskTitle::parse(title.as_str()).ok(), Some(title));
            }
            Err(e) => {
                prop_assert!(!valid);
                prop_assert_eq!(e.field, "title");
            }
        }
    }

    #[test]
    fn a_description_is_accepted_exactly_when_the_rules_allow_it(raw in text(2100)) {
        let valid = raw.chars().count() <= MAX_DESCRIPTION && !raw.contains('\0');
        prop_assert_eq!(Description::parse(&raw).is_ok(), valid);
    }

    #[test]
    fn accepted_tags_are_normalised_distinct_bounded_and_stable(raw in proptest::collection::vec(text(40), 0..14)) {
        if let Ok(tags) = Tags::parse(&raw) {
            let list = tags.as_slice();
            prop_assert!(list.len() <= MAX_TAGS);
            for (i, tag) in list.iter().enumerate() {
                prop_assert_eq!(tag.trim(), tag.as_str());
                prop_assert!((1..=MAX_TAG).contains(&tag.chars().count()));
                prop_assert!(!list[..i].contains(tag), "duplicate {}", tag);
            }
            prop_assert_eq!(Tags::parse(list).ok(), Some(tags.clone()));
        }
    }

    #[test]
    fn priorities_round_trip_through_name_and_rank(p in prop_oneof![Just(Priority::Low), Just(Priority::Medium), Just(Priority::High)]) {
        prop_assert_eq!(Priority::parse("priority", p.as_str()).ok(), Some(p));
        prop_assert_eq!(Priority::from_rank(i64::from(p.rank())), p);
    }

    #[test]
    fn timestamps_round_trip_at_microsecond_precision(secs in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000, offset_min in -900i32..900) {
        let utc = OffsetDateTime::from_unix_timestamp(secs).expect("in range")
            .replace_nanosecond(nanos).expect("valid nanos");
        let offset = time::UtcOffset::from_whole_seconds(offset_min * 60).expect("valid offset");
        let Ok(text) = utc.to_offset(offset).format(&Rfc3339) else {
            // Years outside 0000-9999 after the offset cannot be written in RFC 3339.
            return Ok(());
        };
        let parsed = parse_timestamp("due_at", &text).expect("what we format parses");
        prop_assert_eq!(parsed.offset(), time::UtcOffset::UTC);
        prop_assert_eq!(parsed.unix_timestamp(), utc.unix_timestamp());
        prop_assert_eq!(parsed.nanosecond(), nanos / 1000 * 1000);
    }

    #[test]
    fn cursors_round_trip_for_their_own_sort_order(
        s in sort(),
        micros in any::<Option<i64>>(),
        title in text(60),
        id in any::<u128>(),
    ) {
        // Title keys are lower-cased titles, which hold no control characters; a key
        // with one never came from a page and is refused.
        let clean: String = title.chars().filter(|c| !c.is_control()).collect();
        if clean != title && s.key == SortKey::Title {
            let forged = Cursor { key: CursorKey::Text(title), id: Uuid::from_u128(id) };
            prop_assert!(Cursor::decode(&forged.encode(s), s).is_err());
        }
        let key = match (s.key, micros) {
            (SortKey::Title, _) => CursorKey::Text(clean),
            (SortKey::DueAt, m) => CursorKey::Int(m),
            (_, m) => CursorKey::Int(Some(m.unwrap_or(0))),
        };
        let cursor = Cursor { key, id: Uuid::from_u128(id) };
        let encoded = cursor.encode(s);
        prop_assert_eq!(Cursor::decode(&encoded, s).ok(), Some(cursor));
        let other = Sort { descending: !s.descending, ..s };
        prop_assert!(Cursor::decode(&encoded, other).is_err(), "a cursor is bound to its order");
    }

    #[test]
    fn decoding_arbitrary_cursors_and_queries_never_panics(raw in text(120), s in sort()) {
        let _ = Cursor::decode(&raw, s);
        let _ = ListQuery::parse(&raw);
        let _ = ListQuery::parse(&format!("cursor={raw}&sort=title&limit={raw}"));
    }
}
