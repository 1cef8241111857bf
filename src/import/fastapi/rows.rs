//! Turns the old stack's rows (as text) into Taskward's domain values, or says why not.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

use super::source::RawRow;
use crate::auth::model::{DisplayName, Email};
use crate::auth::password::{check_stored, is_bcrypt};
use crate::error::FieldError;
use crate::store::NewUser;
use crate::tasks::model::{Description, Priority, Tags, Task, TaskTitle};
use crate::timestamp::truncate_to_micros;

fn reason(e: FieldError) -> String {
    format!("{}: {}", e.field, e.message)
}

fn required<'a>(row: &'a RawRow, i: usize, field: &str) -> Result<&'a str, String> {
    row.get(i)
        .and_then(Option::as_deref)
        .ok_or_else(|| format!("{field}: is missing"))
}

fn optional(row: &RawRow, i: usize) -> Option<&str> {
    row.get(i).and_then(Option::as_deref)
}

fn id(raw: &str, field: &str) -> Result<Uuid, String> {
    Uuid::parse_str(raw.trim()).map_err(|_| format!("{field}: `{raw}` is not a UUID"))
}

/// The id column of a raw row, for naming it in the list of rejected rows.
pub fn row_id(row: &RawRow) -> String {
    optional(row, 0).unwrap_or("(no id)").to_owned()
}

/// A user row (`USER_COLUMNS` order) as an account to create.
pub fn user(row: &RawRow) -> Result<NewUser, String> {
    let id = id(required(row, 0, "id")?, "id")?;
    let email = Email::parse(required(row, 1, "email")?).map_err(reason)?;
    let name = match optional(row, 2).map(str::trim) {
        None | Some("") => DisplayName::from_email(&email),
        Some(n) => DisplayName::parse(n).map_err(reason)?,
    };
    let hash = required(row, 3, "password_hash")?.trim();
    if !is_bcrypt(hash) && !hash.starts_with("$argon2id$") {
        return Err("password_hash: is neither bcrypt ($2a$, $2b$, $2y$) nor argon2id".into());
    }
    check_stored(hash).map_err(|e| format!("password_hash: {e}"))?;
    let created_at = timestamp(required(row, 4, "created_at")?, "created_at")?;
    Ok(NewUser {
        id,
        email: email.as_str().to_owned(),
        email_lower: email.lower().to_owned(),
        name: name.as_str().to_owned(),
        password_hash: hash.to_owned(),
        created_at,
    })
}

/// A task row (`TASK_COLUMNS` order) as a task, normalised by the domain types.
pub fn task(row: &RawRow) -> Result<Task, String> {
    let id = id(required(row, 0, "id")?, "id")?;
    let user_id = id_of_owner(required(row, 1, "user_id")?)?;
    let title = TaskTitle::parse(required(row, 2, "title")?).map_err(reason)?;
    let description = Description::parse(optional(row, 3).unwrap_or("")).map_err(reason)?;
    let completed = boolean(required(row, 4, "completed")?)?;
    let priority = match optional(row, 5).map(str::trim) {
        None | Some("") => Priority::Medium,
        Some(p) => Priority::parse("priority", &p.to_ascii_lowercase()).map_err(reason)?,
    };
    let due_at = optional(row, 6)
        .map(|t| timestamp(t, "due_at"))
        .transpose()?;
    let tags = match optional(row, 7) {
        None => Tags::default(),
        Some(json) => {
            let list: Vec<String> = serde_json::from_str(json)
                .map_err(|_| format!("tags: `{json}` is not a JSON list of strings"))?;
            Tags::parse(&list).map_err(reason)?
        }
    };
    let created_at = timestamp(required(row, 8, "created_at")?, "created_at")?;
    let updated_at = optional(row, 9)
        .map(|t| timestamp(t, "updated_at"))
        .transpose()?
        .unwrap_or(created_at);
    let completed_at = optional(row, 10)
        .map(|t| timestamp(t, "completed_at"))
        .transpose()?;
    Ok(Task {
        id,
        user_id,
        // Imported tasks go into their owner's inbox, whose id is the owner's.
        list_id: user_id,
        title: title.as_str().to_owned(),
        description: description.as_str().to_owned(),
        completed,
        priority,
        due_at,
        // The old stack knew instants only.
        due_date: None,
        due_key: due_at,
        tags: tags.into_vec(),
        recurrence: None,
        reminders: crate::tasks::reminders::Reminders::default(),
        created_at,
        updated_at,
        // Taskward keeps completed_at exactly while the task is done.
        completed_at: if completed {
            Some(completed_at.unwrap_or(updated_at))
        } else {
            None
        },
        version: 1,
        dav: Default::default(),
    })
}

fn id_of_owner(raw: &str) -> Result<Uuid, String> {
    id(raw, "user_id")
}

fn boolean(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" => Ok(true),
        "0" | "false" | "f" | "no" => Ok(false),
        _ => Err(format!("completed: `{raw}` is not a boolean")),
    }
}

const NAIVE: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
const NAIVE_FRACTION: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");

/// Parses the timestamps SQLAlchemy writes: naive `2026-11-26 03:25:24.443506` (SQLite,
/// taken as UTC, which is what the old stack stored) or with an offset (`+00`, `+00:00`,
/// `Z`; PostgreSQL `timestamptz` read as text), with `T` or a space.
pub fn timestamp(raw: &str, field: &str) -> Result<OffsetDateTime, String> {
    let bad = || format!("{field}: `{raw}` is not a timestamp");
    let text = raw.trim().replacen('T', " ", 1);
    let (local, offset) = split_offset(&text).ok_or_else(bad)?;
    let format = if local.contains('.') {
        NAIVE_FRACTION
    } else {
        NAIVE
    };
    let naive = PrimitiveDateTime::parse(local, format).map_err(|_| bad())?;
    Ok(truncate_to_micros(
        naive.assume_offset(offset).to_offset(UtcOffset::UTC),
    ))
}

/// Splits `local±HH[:MM]` or `localZ` into the local part and its offset (UTC if none).
fn split_offset(text: &str) -> Option<(&str, UtcOffset)> {
    if let Some(local) = text.strip_suffix('Z').or(text.strip_suffix('z')) {
        return Some((local, UtcOffset::UTC));
    }
    // The offset sign can only appear after the time part (the date has '-' too).
    let time_start = text.find(' ')?;
    let Some(pos) = text[time_start..].rfind(['+', '-']).map(|p| p + time_start) else {
        return Some((text, UtcOffset::UTC));
    };
    let (local, off) = text.split_at(pos);
    let sign: i8 = if off.starts_with('-') { -1 } else { 1 };
    let digits: String = off[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i8>().ok()?, 0),
        4 => (
            digits[..2].parse::<i8>().ok()?,
            digits[2..].parse::<i8>().ok()?,
        ),
        _ => return None,
    };
    let offset = UtcOffset::from_hms(sign * h, sign * m, 0).ok()?;
    Some((local, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn naive_and_offset_timestamps_become_utc() {
        let t = datetime!(2026-11-26 03:25:24.443506 UTC);
        assert_eq!(timestamp("2026-11-26 03:25:24.443506", "x"), Ok(t));
        assert_eq!(timestamp("2026-11-26T03:25:24.443506Z", "x"), Ok(t));
        assert_eq!(timestamp("2026-11-26 03:25:24.443506+00", "x"), Ok(t));
        assert_eq!(timestamp("2026-11-26 05:25:24.443506+02:00", "x"), Ok(t));
        assert_eq!(
            timestamp("2026-11-26 03:25:24", "x"),
            Ok(datetime!(2026-11-26 03:25:24 UTC))
        );
        assert!(timestamp("yesterday", "due_at").is_err());
    }

    fn task_row(title: &str, tags: &str) -> RawRow {
        [
            Some("6f1c2a51-8a4e-4f38-9c5c-0d7d8a1b2c3d"),
            Some("1b4e28ba-2fa1-41d2-883f-0016d3cca427"),
            Some(title),
            None,
            Some("1"),
            Some("HIGH"),
            None,
            Some(tags),
            Some("2026-01-02 03:04:05.000006"),
            None,
            None,
        ]
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
    }

    #[test]
    fn task_rows_are_normalised_by_the_domain_types() {
        let t = task(&task_row("  Buy milk ", r#"["Home", "home", " Errands "]"#)).expect("ok");
        assert_eq!(t.title, "Buy milk");
        assert_eq!(t.tags, ["home", "errands"]);
        assert_eq!(t.priority, Priority::High);
        assert!(t.completed);
        assert_eq!(t.completed_at, Some(t.created_at));
        assert_eq!(t.updated_at, t.created_at);
    }

    #[test]
    fn task_rows_that_break_the_rules_say_why() {
        let long = "x".repeat(40);
        let err = task(&task_row("ok", &format!(r#"["{long}"]"#))).expect_err("tag too long");
        assert!(err.starts_with("tags[0]:"), "{err}");
        let err = task(&task_row("   ", "[]")).expect_err("empty title");
        assert!(err.starts_with("title:"), "{err}");
    }
}
