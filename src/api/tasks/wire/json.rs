//! A page of tasks written as JSON by hand: byte for byte what `serde_json` writes for the
//! same [`TaskView`]s (the tests compare the two on every kind of field), but the field
//! names, ids, timestamps, priority and days are written as they are. Through `serde`
//! every one of them went through JSON string escaping, a byte at a time, though none
//! can hold a character that needs it: escaping was 10 % of the CPU of a list of 50 tasks
//! (perf). Text written by people (title, description, tags) and the nested values
//! (recurrence, reminders) still go through `serde_json`.

use serde::ser::Error as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::TaskView;
use crate::tasks::model::Priority;

/// `items` as a JSON array, appended to `out`.
pub fn write_page(items: &[TaskView], out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_json(out)?;
    }
    out.push(b']');
    Ok(())
}

impl TaskView {
    /// This task as a JSON object, appended to `out`, in the fields' declared order (the
    /// order `#[derive(Serialize)]` writes).
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"id\":");
        id(out, self.id);
        out.extend_from_slice(b",\"user_id\":");
        id(out, self.user_id);
        out.extend_from_slice(b",\"list_id\":");
        id(out, self.list_id);
        out.extend_from_slice(b",\"title\":");
        serde_json::to_writer(&mut *out, &self.title)?;
        out.extend_from_slice(b",\"description\":");
        serde_json::to_writer(&mut *out, &self.description)?;
        out.extend_from_slice(if self.completed {
            b",\"completed\":true"
        } else {
            b",\"completed\":false"
        });
        out.extend_from_slice(match self.priority {
            Priority::Low => b",\"priority\":\"low\"",
            Priority::Medium => b",\"priority\":\"medium\"",
            Priority::High => b",\"priority\":\"high\"",
        });
        out.extend_from_slice(b",\"due_at\":");
        maybe_time(out, self.due_at)?;
        out.extend_from_slice(b",\"due_date\":");
        match &self.due_date {
            // `YYYY-MM-DD`, formatted by Taskward: nothing to escape.
            Some(day) if day.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                quoted(out, day.as_bytes());
            }
            Some(day) => serde_json::to_writer(&mut *out, day)?,
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"tags\":");
        serde_json::to_writer(&mut *out, &self.tags)?;
        out.extend_from_slice(b",\"recurrence\":");
        serde_json::to_writer(&mut *out, &self.recurrence)?;
        out.extend_from_slice(b",\"reminders\":");
        serde_json::to_writer(&mut *out, &self.reminders)?;
        out.extend_from_slice(b",\"created_at\":");
        time(out, self.created_at)?;
        out.extend_from_slice(b",\"updated_at\":");
        time(out, self.updated_at)?;
        out.extend_from_slice(b",\"completed_at\":");
        maybe_time(out, self.completed_at)?;
        out.push(b'}');
        Ok(())
    }
}

fn quoted(out: &mut Vec<u8>, raw: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(raw);
    out.push(b'"');
}

/// A UUID in its hyphenated lower-case form, quoted.
fn id(out: &mut Vec<u8>, id: Uuid) {
    quoted(
        out,
        id.hyphenated()
            .encode_lower(&mut Uuid::encode_buffer())
            .as_bytes(),
    );
}

/// RFC 3339, quoted, as `time::serde::rfc3339` writes it (an error where it errs: a year
/// RFC 3339 cannot write).
fn time(out: &mut Vec<u8>, t: OffsetDateTime) -> serde_json::Result<()> {
    out.push(b'"');
    t.format_into(&mut *out, &Rfc3339)
        .map_err(serde_json::Error::custom)?;
    out.push(b'"');
    Ok(())
}

fn maybe_time(out: &mut Vec<u8>, t: Option<OffsetDateTime>) -> serde_json::Result<()> {
    match t {
        Some(t) => time(out, t),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
