//! A stale save of the edit form, shown instead of overwriting (issue 21): the user's
//! values ("Your changes") beside the task as it is now ("Saved meanwhile"), field by
//! field, in words.

use super::repeat_form::{DAYS, REPEATS};
use super::task_form::TaskForm;
use super::tasks::PRIORITIES;

/// One field of the comparison.
pub struct Compared {
    /// The field's name for people.
    pub label: &'static str,
    /// The user's value.
    pub mine: String,
    /// The value saved meanwhile.
    pub theirs: String,
    /// Whether they differ.
    pub differs: bool,
}

/// "Due", as the form says it: "2026-12-24 09:30", "2026-12-24", or "None".
fn due(form: &TaskForm) -> String {
    match (form.due.trim(), form.due_time.trim()) {
        ("", _) => "None".to_owned(),
        (day, "") => day.to_owned(),
        (day, time) => format!("{day} {time}"),
    }
}

fn label_of(list: &[(&'static str, &'static str)], value: &str) -> String {
    list.iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| value.to_owned(), |(_, l)| (*l).to_owned())
}

/// How it repeats, in words.
fn repeat(form: &TaskForm) -> String {
    let r = &form.repeat;
    let mut out = label_of(REPEATS, &r.repeat);
    if r.repeat == "weekly" {
        let days: Vec<&str> = DAYS
            .iter()
            .filter(|(code, _, _)| r.ticked(code))
            .map(|(_, label, _)| *label)
            .collect();
        if !days.is_empty() {
            out = format!("{out}: {}", days.join(", "));
        }
    }
    if r.repeat == "custom" {
        out = format!("{out}: {}", r.rule.trim());
    }
    if !r.repeat.is_empty() && r.counts_from_completion() {
        out.push_str(" (counted from when it is done)");
    }
    out
}

/// The reminders, in words.
fn reminders(form: &TaskForm) -> String {
    let said: Vec<String> = form
        .remind
        .rows()
        .into_iter()
        .filter_map(|row| {
            let chosen = row
                .choices
                .iter()
                .find(|c| c.selected && !c.value.is_empty());
            match chosen {
                Some(c) if c.value != "at" => Some(c.label.clone()),
                _ if !row.at.is_empty() => Some(format!("At {}", row.at.replace('T', " "))),
                _ => None,
            }
        })
        .collect();
    if said.is_empty() {
        "None".to_owned()
    } else {
        said.join("; ")
    }
}

fn or_none(value: &str) -> String {
    if value.trim().is_empty() {
        "None".to_owned()
    } else {
        value.trim().to_owned()
    }
}

/// The fields of `mine` beside those of `theirs`.
pub fn compare(mine: &TaskForm, theirs: &TaskForm) -> Vec<Compared> {
    let priority = |f: &TaskForm| {
        label_of(
            PRIORITIES,
            if f.priority.is_empty() {
                "medium"
            } else {
                &f.priority
            },
        )
    };
    let pairs = [
        (
            "Title",
            mine.title.trim().to_owned(),
            theirs.title.trim().to_owned(),
        ),
        (
            "Notes",
            or_none(&mine.description),
            or_none(&theirs.description),
        ),
        ("Due", due(mine), due(theirs)),
        ("Priority", priority(mine), priority(theirs)),
        ("Tags", or_none(&mine.tags), or_none(&theirs.tags)),
        ("Repeat", repeat(mine), repeat(theirs)),
        ("Reminders", reminders(mine), reminders(theirs)),
    ];
    pairs
        .into_iter()
        .map(|(label, mine, theirs)| Compared {
            label,
            differs: mine != theirs,
            mine,
            theirs,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparison_says_each_field_in_words_and_marks_the_differences() {
        let mine = TaskForm {
            title: "Old title".into(),
            description: "A note".into(),
            due: "2026-12-24".into(),
            due_time: "09:30".into(),
            ..TaskForm::default()
        };
        let theirs = TaskForm {
            title: "New title".into(),
            due: "2026-12-24".into(),
            due_time: "09:30".into(),
            priority: "high".into(),
            ..TaskForm::default()
        };
        let rows = compare(&mine, &theirs);
        let row = |label: &str| rows.iter().find(|r| r.label == label).expect(label);
        assert!(row("Title").differs);
        assert_eq!(row("Notes").mine, "A note");
        assert_eq!(row("Notes").theirs, "None");
        assert!(!row("Due").differs);
        assert_eq!(row("Due").mine, "2026-12-24 09:30");
        assert_eq!(row("Priority").mine, "Medium");
        assert_eq!(row("Priority").theirs, "High");
        assert_eq!(row("Repeat").mine, "Does not repeat");
        assert_eq!(row("Reminders").theirs, "None");
    }
}
