//! The phrase table: real quick-add lines, each with everything it must mean, read on
//! Wednesday 2026-12-02 at 10:00.

use jiff::civil::{Date, DateTime, Time, datetime};

use super::{QuickAdd, QuickRecurrence, Role, parse};
use crate::tasks::model::Priority;

/// A Wednesday, 10:00.
const NOW: DateTime = datetime(2026, 12, 2, 10, 0, 0, 0);

/// What a line must mean; everything not set must be absent.
#[derive(Debug, PartialEq, Eq)]
struct Expect {
    title: String,
    due_date: Option<Date>,
    due_time: Option<Time>,
    recurrence: Option<QuickRecurrence>,
    tags: Vec<String>,
    priority: Option<Priority>,
    list: Option<String>,
}

fn title(title: &str) -> Expect {
    Expect {
        title: title.into(),
        due_date: None,
        due_time: None,
        recurrence: None,
        tags: Vec::new(),
        priority: None,
        list: None,
    }
}

impl Expect {
    fn on(mut self, date: &str) -> Self {
        self.due_date = Some(date.parse().unwrap_or_else(|e| panic!("{date}: {e}")));
        self
    }
    fn at(mut self, time: &str) -> Self {
        self.due_time = Some(time.parse().unwrap_or_else(|e| panic!("{time}: {e}")));
        self
    }
    fn every(mut self, rule: &str) -> Self {
        self.recurrence = Some(QuickRecurrence {
            rule: rule.into(),
            from_completion: false,
        });
        self
    }
    fn every_done(mut self, rule: &str) -> Self {
        self.recurrence = Some(QuickRecurrence {
            rule: rule.into(),
            from_completion: true,
        });
        self
    }
    fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).into()).collect();
        self
    }
    fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }
    fn list(mut self, list: &str) -> Self {
        self.list = Some(list.into());
        self
    }
}

fn got(q: QuickAdd) -> Expect {
    Expect {
        title: q.title,
        due_date: q.due_date,
        due_time: q.due_time,
        recurrence: q.recurrence,
        tags: q.tags,
        priority: q.priority,
        list: q.list,
    }
}

const WEEKDAYS: &str = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR";

fn table() -> Vec<(&'static str, Expect)> {
    use Priority::{High, Low};
    vec![
        // The contract's own example.
        (
            "Pay rent every month on the 1st 9am #home !high @Bills",
            title("Pay rent")
                .on("2027-01-01")
                .at("09:00")
                .every("FREQ=MONTHLY;BYMONTHDAY=1")
                .tags(&["home"])
                .priority(High)
                .list("Bills"),
        ),
        // Dates.
        ("call mom today", title("call mom").on("2026-12-02")),
        ("call mom tomorrow", title("call mom").on("2026-12-03")),
        ("water plants tmrw", title("water plants").on("2026-12-03")),
        ("review PRs Wednesday", title("review PRs").on("2026-12-09")),
        ("gym mon", title("gym").on("2026-12-07")),
        (
            "plan sprint next week",
            title("plan sprint").on("2026-12-07"),
        ),
        ("dentist next friday", title("dentist").on("2026-12-11")),
        ("plan Q1 next month", title("plan Q1").on("2027-01-01")),
        (
            "renew passport in 3 days",
            title("renew passport").on("2026-12-05"),
        ),
        (
            "renew passport in 2 weeks",
            title("renew passport").on("2026-12-16"),
        ),
        (
            "pay invoice in a month",
            title("pay invoice").on("2027-01-02"),
        ),
        (
            "wrap presents Dec 24",
            title("wrap presents").on("2026-12-24"),
        ),
        (
            "wrap presents 24 Dec",
            title("wrap presents").on("2026-12-24"),
        ),
        (
            "wrap presents December 24th",
            title("wrap presents").on("2026-12-24"),
        ),
        (
            "ship release 2026-12-24",
            title("ship release").on("2026-12-24"),
        ),
        ("taxes Apr 15 2027", title("taxes").on("2027-04-15")),
        (
            "new year party Dec 31",
            title("new year party").on("2026-12-31"),
        ),
        ("book flights Jan 5", title("book flights").on("2027-01-05")),
        ("send card Dec 1", title("send card").on("2027-12-01")),
        (
            "leap day party Feb 29",
            title("leap day party").on("2028-02-29"),
        ),
        ("ship release 2026-11-30", title("ship release 2026-11-30")),
        ("pay rent on the 1st", title("pay rent").on("2027-01-01")),
        ("report due tomorrow", title("report").on("2026-12-03")),
        ("report due by friday", title("report").on("2026-12-04")),
        (
            "Call mom tomorrow, then shop",
            title("Call mom then shop").on("2026-12-03"),
        ),
        // Times.
        ("standup 9am", title("standup").on("2026-12-03").at("09:00")),
        (
            "call back 10am",
            title("call back").on("2026-12-03").at("10:00"),
        ),
        (
            "dinner 9:30pm",
            title("dinner").on("2026-12-02").at("21:30"),
        ),
        ("review 17:30", title("review").on("2026-12-02").at("17:30")),
        (
            "lunch with ana at noon",
            title("lunch with ana").on("2026-12-02").at("12:00"),
        ),
        (
            "take out trash midnight",
            title("take out trash").on("2026-12-03").at("00:00"),
        ),
        (
            "meeting at noon tomorrow",
            title("meeting").on("2026-12-03").at("12:00"),
        ),
        (
            "call mom on friday at 5pm",
            title("call mom").on("2026-12-04").at("17:00"),
        ),
        (
            "CALL MOM TOMORROW AT 5 PM",
            title("CALL MOM").on("2026-12-03").at("17:00"),
        ),
        (
            "weigh in today 8am",
            title("weigh in").on("2026-12-02").at("08:00"),
        ),
        // Recurrences.
        (
            "stretch every day",
            title("stretch").on("2026-12-02").every("FREQ=DAILY"),
        ),
        (
            "stretch daily",
            title("stretch").on("2026-12-02").every("FREQ=DAILY"),
        ),
        (
            "standup every weekday 9:30am",
            title("standup")
                .on("2026-12-03")
                .at("09:30")
                .every(WEEKDAYS),
        ),
        (
            "review budget every 2 weeks",
            title("review budget")
                .on("2026-12-02")
                .every("FREQ=WEEKLY;INTERVAL=2"),
        ),
        (
            "gym every mon, fri",
            title("gym")
                .on("2026-12-04")
                .every("FREQ=WEEKLY;BYDAY=MO,FR"),
        ),
        (
            "Gym Every Monday and Friday 7am",
            title("Gym")
                .on("2026-12-04")
                .at("07:00")
                .every("FREQ=WEEKLY;BYDAY=MO,FR"),
        ),
        (
            "water plants every tue,thu at 8pm",
            title("water plants")
                .on("2026-12-03")
                .at("20:00")
                .every("FREQ=WEEKLY;BYDAY=TU,TH"),
        ),
        (
            "tidy desk every weekend",
            title("tidy desk")
                .on("2026-12-05")
                .every("FREQ=WEEKLY;BYDAY=SA,SU"),
        ),
        (
            "sync every other week on tue",
            title("sync")
                .on("2026-12-08")
                .every("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ),
        (
            "Pay rent every month on the 1st",
            title("Pay rent")
                .on("2027-01-01")
                .every("FREQ=MONTHLY;BYMONTHDAY=1"),
        ),
        (
            "pay card every 15th",
            title("pay card")
                .on("2026-12-15")
                .every("FREQ=MONTHLY;BYMONTHDAY=15"),
        ),
        (
            "submit report every last day of the month 17:00 #work !high",
            title("submit report")
                .on("2026-12-31")
                .at("17:00")
                .every("FREQ=MONTHLY;BYMONTHDAY=-1")
                .tags(&["work"])
                .priority(High),
        ),
        (
            "bills every first of the month",
            title("bills")
                .on("2027-01-01")
                .every("FREQ=MONTHLY;BYMONTHDAY=1"),
        ),
        (
            "renew every 2 years on feb 29",
            title("renew")
                .on("2028-02-29")
                .every("FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29"),
        ),
        (
            "team lunch every first friday",
            title("team lunch")
                .on("2026-12-04")
                .every("FREQ=MONTHLY;BYDAY=1FR"),
        ),
        (
            "renew domain every year",
            title("renew domain").on("2026-12-02").every("FREQ=YEARLY"),
        ),
        (
            "mom's birthday every dec 24",
            title("mom's birthday")
                .on("2026-12-24")
                .every("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24"),
        ),
        (
            "book venue every Dec 24th 6pm",
            title("book venue")
                .on("2026-12-24")
                .at("18:00")
                .every("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24"),
        ),
        (
            "every! 3 days water plants",
            title("water plants")
                .on("2026-12-02")
                .every_done("FREQ=DAILY;INTERVAL=3"),
        ),
        (
            "haircut every! 4 weeks",
            title("haircut")
                .on("2026-12-02")
                .every_done("FREQ=WEEKLY;INTERVAL=4"),
        ),
        (
            "Pay rent EVERY! month on the 1st",
            title("Pay rent")
                .on("2027-01-01")
                .every_done("FREQ=MONTHLY;BYMONTHDAY=1"),
        ),
        (
            "standup every mon tomorrow",
            title("standup")
                .on("2026-12-03")
                .every("FREQ=WEEKLY;BYDAY=MO"),
        ),
        // Tags, priority, list.
        ("buy milk @Groceries", title("buy milk").list("Groceries")),
        (
            "groceries @Shop @Home",
            title("groceries @Home").list("Shop"),
        ),
        (
            "Buy Milk #Home #home #Errands",
            title("Buy Milk").tags(&["home", "errands"]),
        ),
        (
            "x #a #b #c #d #e #f #g #h #i #j #k",
            title("x #k").tags(&["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]),
        ),
        ("fix bug #42", title("fix bug #42")),
        ("do it !urgent", title("do it !urgent")),
        ("chores !low !high", title("chores !high").priority(Low)),
        // Words that only look like grammar stay in the title.
        ("turn on the lights", title("turn on the lights")),
        (
            "email bob about the 2 weeks plan",
            title("email bob about the 2 weeks plan"),
        ),
        ("stand by me", title("stand by me")),
        ("clean the 2nd floor", title("clean the 2nd floor")),
        ("call mom at home", title("call mom at home")),
        ("meet @ the cafe", title("meet @ the cafe")),
        ("every time I call", title("every time I call")),
        ("buy 2 apples", title("buy 2 apples")),
        // A second phrase of a kind stays in the title, whole.
        (
            "dinner friday Dec 24",
            title("dinner Dec 24").on("2026-12-04"),
        ),
        (
            "stretch every day every week",
            title("stretch every week")
                .on("2026-12-02")
                .every("FREQ=DAILY"),
        ),
        (
            "call at 9pm at 10pm",
            title("call at 10pm").on("2026-12-02").at("21:00"),
        ),
        // Nothing left for a title: the words are the title.
        ("tomorrow", title("tomorrow")),
        ("  every day  9am ", title("every day 9am")),
        ("#home", title("#home")),
        ("", title("")),
    ]
}

#[test]
fn the_phrase_table() {
    let table = table();
    assert!(table.len() >= 40);
    for (text, expected) in table {
        let q = parse(text, NOW);
        let title_words: Vec<&str> = q
            .words
            .iter()
            .filter(|w| w.role == Role::Title)
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(q.title, title_words.join(" "), "{text}");
        assert_eq!(got(q), expected, "{text}");
    }
}

#[test]
fn each_word_has_its_role() {
    use Role::{Date, List, Priority, Recurrence, Tag, Time, Title};
    for (text, roles) in [
        (
            "call mom on friday at 5pm",
            vec![Title, Title, Date, Date, Time, Time],
        ),
        (
            "gym every mon, fri #Fit !low @Me",
            vec![
                Title, Recurrence, Recurrence, Recurrence, Tag, Priority, List,
            ],
        ),
        (
            "report due by friday 9 am",
            vec![Title, Date, Date, Date, Time, Time],
        ),
        ("dinner friday Dec 24", vec![Title, Date, Title, Title]),
        ("every mon and", vec![Recurrence, Recurrence, Title]),
        ("tomorrow", vec![Title]),
    ] {
        let q = parse(text, NOW);
        let texts: Vec<&str> = q.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, text.split_whitespace().collect::<Vec<_>>(), "{text}");
        let got: Vec<Role> = q.words.iter().map(|w| w.role).collect();
        assert_eq!(got, roles, "{text}");
    }
    assert_eq!(Role::Recurrence.as_str(), "recurrence");
}

#[test]
fn a_time_counts_from_the_wall_clock() {
    // One second past 10:00, 10am is tomorrow's; one minute before, it is today's.
    let late = datetime(2026, 12, 2, 10, 0, 1, 0);
    assert_eq!(
        parse("call 10am", late).due_date,
        "2026-12-03".parse::<Date>().ok()
    );
    let early = datetime(2026, 12, 2, 9, 59, 0, 0);
    assert_eq!(
        parse("call 10am", early).due_date,
        "2026-12-02".parse::<Date>().ok()
    );
    // Across the end of a year, and the end of jiff's range.
    let eve = datetime(2026, 12, 31, 23, 0, 0, 0);
    assert_eq!(
        parse("call 9am", eve).due_date,
        "2027-01-01".parse::<Date>().ok()
    );
    let last = datetime(9999, 12, 31, 23, 0, 0, 0);
    let q = parse("call 9am every day next week", last);
    assert_eq!(
        (q.title.as_str(), q.due_date, q.due_time, q.recurrence),
        ("call 9am every day next week", None, None, None)
    );
}
