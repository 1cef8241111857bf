//! The field errors of a refused form: looked up by field name in templates, and listed
//! in the error summary (`templates/error_summary.html`) with a link to each field.

use crate::error::FieldError;

/// Field errors of one form, looked up by field name in templates.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The message for `field`, capitalised, if it has one.
    pub fn get(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
            .map(|e| sentence(&e.field, &e.message))
    }

    /// The message for exactly `field` (not its parts, `field[0]`), if it has one.
    pub fn only(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| sentence(&e.field, &e.message))
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Adds one.
    pub fn add(&mut self, field: &str, message: &str) {
        self.0.push(FieldError::new(field, message));
    }

    /// The lines of the error summary (`templates/error_summary.html`), in order.
    pub fn summary(&self) -> Vec<Problem> {
        self.0
            .iter()
            .map(|e| Problem {
                anchor: anchor(&e.field),
                message: sentence(&e.field, &e.message),
            })
            .collect()
    }
}

/// One line of the error summary.
pub struct Problem {
    /// The id of the field it links to; `None` for an error of the whole form.
    pub anchor: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The id of the input a field's error is about: its name, but for the fields whose
/// input is named otherwise (`reminders[1]` is the select `remind_1`, quick add's `text`
/// the box `quick-text`) and the form-wide errors, which link nowhere.
fn anchor(field: &str) -> Option<String> {
    let (base, index) = match field.split_once('[') {
        Some((base, rest)) => (base, rest.split(']').next()),
        None => (field, None),
    };
    match base {
        "" | "form" | "list_id" => None,
        "text" => Some("quick-text".to_owned()),
        "reminders" => Some(format!("remind_{}", index.unwrap_or("0"))),
        other => Some(other.to_owned()),
    }
}
/// "title" + "must not be empty" -> "Title must not be empty."
fn sentence(field: &str, message: &str) -> String {
    if message.starts_with(char::is_uppercase) {
        return message.to_owned();
    }
    let label = match field.split('[').next().unwrap_or(field) {
        "title" => "The title",
        "description" => "The description",
        "tags" => "Tags",
        "due" => "The due date",
        "reminders" => "The reminder",
        "target" => "The address or URL",
        "token" => "The token",
        "kind" => "The kind",
        "email" | "share_email" => "The email",
        "new_email" => "The new email",
        "role" => "The role",
        "name" => "The name",
        "scopes" => "The scopes",
        "expires" => "The expiry",
        "timezone" => "The time zone",
        "password" | "new_password" => "The password",
        "current_password" => "The current password",
        _ => "This field",
    };
    let mut s = format!("{label} {message}");
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_links_each_error_to_its_input() {
        let mut errors = Errors::default();
        errors.add("title", "must not be empty");
        errors.add(
            "reminders[2]",
            "must be a date and time such as 2026-12-24 09:00",
        );
        errors.add("text", "The text must be 1 to 500 characters.");
        errors.add("form", "Too many attempts.");
        let lines: Vec<(Option<String>, String)> = errors
            .summary()
            .into_iter()
            .map(|p| (p.anchor, p.message))
            .collect();
        assert_eq!(
            lines,
            [
                (Some("title".into()), "The title must not be empty.".into()),
                (
                    Some("remind_2".into()),
                    "The reminder must be a date and time such as 2026-12-24 09:00.".into()
                ),
                (
                    Some("quick-text".into()),
                    "The text must be 1 to 500 characters.".into()
                ),
                (None, "Too many attempts.".into()),
            ]
        );
    }
}
