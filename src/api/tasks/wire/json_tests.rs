//! The hand-written page against `serde_json`'s, byte for byte.

use time::macros::datetime;
use uuid::Uuid;

use super::write_page;
use crate::api::tasks::wire::TaskView;
use crate::api::tasks::wire_when::{RecurrenceView, ReminderView};
use crate::tasks::model::Priority;
use crate::tasks::recurrence::{RecurFrom, RecurrenceSpec, Rule};
use crate::tasks::reminders::Reminder;

fn same(items: &[TaskView]) {
    let mut ours = Vec::new();
    write_page(items, &mut ours).expect("writes");
    let theirs = serde_json::to_vec(items).expect("serializes");
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );
}

fn plain(i: u128) -> TaskView {
    let at = datetime!(2026-12-04 16:00 UTC);
    TaskView {
        id: Uuid::from_u128(i),
        user_id: Uuid::from_u128(u128::MAX - i),
        list_id: Uuid::now_v7(),
        title: format!("Task {i}"),
        description: String::new(),
        completed: false,
        priority: Priority::Medium,
        due_at: None,
        due_date: None,
        tags: Vec::new(),
        recurrence: None,
        reminders: Vec::new(),
        created_at: at,
        updated_at: at,
        completed_at: None,
    }
}

#[test]
fn an_empty_page_and_plain_tasks() {
    same(&[]);
    same(&[plain(1)]);
    same(&[plain(1), plain(2), plain(3)]);
}

#[test]
fn every_field_set_and_text_that_needs_escaping() {
    let mut t = plain(7);
    t.title = "Say \"hi\" \\ to Zoë 👋\u{1}\u{1f}\t".into();
    t.description = "Line one\nline two\r\n</script> \u{2028} \u{7f}".into();
    t.completed = true;
    t.priority = Priority::High;
    t.due_at = Some(datetime!(2026-12-24 17:00:00.123456 UTC));
    t.tags = vec!["home".into(), "a \"quoted\" tag".into(), "ümlaut".into()];
    t.recurrence = Some(RecurrenceView::from(RecurrenceSpec {
        rule: Rule::parse("FREQ=WEEKLY;BYDAY=MO,FR").expect("rule"),
        from: RecurFrom::Completion,
    }));
    t.reminders = vec![
        ReminderView::from(Reminder::Before("PT30M".into())),
        ReminderView::from(Reminder::At(datetime!(2026-12-24 09:00 UTC))),
    ];
    t.created_at = datetime!(1969-07-20 20:17:40.000001 UTC);
    t.updated_at = datetime!(9999-12-31 23:59:59.999999 UTC);
    t.completed_at = Some(datetime!(2026-12-25 00:00 UTC));
    let mut low = plain(8);
    low.priority = Priority::Low;
    low.due_date = Some("2026-12-24".into());
    same(&[t, low, plain(9)]);
}

#[test]
fn a_day_that_is_not_a_plain_date_is_escaped_like_any_text() {
    let mut t = plain(3);
    t.due_date = Some("2026-\"12\"".into());
    same(&[t]);
}

#[test]
fn a_time_rfc_3339_cannot_write_fails_as_serde_fails() {
    let mut t = plain(4);
    t.created_at = datetime!(2026-12-04 16:00 +00:00:30);
    assert!(serde_json::to_vec(&[&t]).is_err());
    assert!(write_page(&[t], &mut Vec::new()).is_err());
}
