//! Quick add: one line of English ("Pay rent every month on the 1st 9am #home !high
//! @Bills") read into the parts of a task, for `POST /api/tasks/parse` and the web app's
//! quick-add box. [`parse`] is a pure function of the text and the user's local time; it
//! never fails and never loses a word: every input word comes back in
//! [`QuickAdd::words`] with its [`Role`], and the words no phrase took make the title.
//!
//! The grammar and every decision (which weekday `friday` means, what a time that has
//! passed means, which of two dates wins, ...) are in `docs/quick-add.md`. The phrases
//! live in private submodules: dates (`dates`), times (`times`), recurrences (`repeat`),
//! one-word marks for tags, priority and list (`marks`), over a shared lexicon (`words`);
//! the phrase table is in `tests` and the properties in `props`.

mod dates;
mod marks;
mod repeat;
mod times;
mod words;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use std::ops::Range;

use jiff::civil::{Date, DateTime, Time};

use crate::tasks::model::{MAX_TAGS, Priority};

use self::repeat::Repeat;
use self::words::Tok;

/// What a line of quick-add text means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickAdd {
    /// The words that are not part of the grammar, in input order, joined by single
    /// spaces. When no word would be left, every word is the title and nothing else is
    /// taken ("tomorrow" alone is a task called "tomorrow").
    pub title: String,
    /// The local due date: the date phrase's, else the first occurrence of the
    /// recurrence, else the day of a lone time. Never before the date of `now`.
    pub due_date: Option<Date>,
    /// The local wall-clock due time; only ever `Some` together with `due_date`.
    pub due_time: Option<Time>,
    /// The recurrence, if any.
    pub recurrence: Option<QuickRecurrence>,
    /// The tags: without `#`, lowercased, deduplicated, in order, at most `MAX_TAGS`.
    pub tags: Vec<String>,
    /// The priority, if any.
    pub priority: Option<Priority>,
    /// The list's name after `@`, as written (the caller resolves it, ignoring case).
    pub list: Option<String>,
    /// Every whitespace-separated input word, in order, with its role.
    pub words: Vec<Word>,
}

/// A recurrence read from quick-add text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickRecurrence {
    /// The RFC 5545 `RRULE` value, exactly as [`crate::tasks::recurrence::Rule`] prints
    /// it (so `Rule::parse` accepts it and prints it back unchanged).
    pub rule: String,
    /// `every!`: the next occurrence counts from when the task is completed.
    pub from_completion: bool,
}

/// One whitespace-separated input word and what it was read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word exactly as typed (punctuation and case kept).
    pub text: String,
    /// What it was read as.
    pub role: Role,
}

/// What an input word was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Part of the title.
    Title,
    /// Part of the date phrase (with its glue word: `on friday`).
    Date,
    /// Part of the time phrase (with its glue word: `at 5pm`).
    Time,
    /// Part of the recurrence phrase (`every`, `mon,`, `and`, `fri`).
    Recurrence,
    /// A tag (`#home`).
    Tag,
    /// The priority (`!high`).
    Priority,
    /// The list (`@Groceries`).
    List,
}

impl Role {
    /// The role's name in lowercase: `title`, `date`, `time`, `recurrence`, `tag`,
    /// `priority` or `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Date => "date",
            Self::Time => "time",
            Self::Recurrence => "recurrence",
            Self::Tag => "tag",
            Self::Priority => "priority",
            Self::List => "list",
        }
    }
}

/// Words that introduce a date or time phrase, and belong to it only then.
const GLUE: &[&str] = &["on", "at", "by", "due"];

/// A recognised phrase.
enum Phrase {
    Date(Date),
    Time(Time),
    Repeat(Repeat),
    Tag(String),
    Priority(Priority),
    List(String),
}

impl Phrase {
    fn role(&self) -> Role {
        match self {
            Self::Date(_) => Role::Date,
            Self::Time(_) => Role::Time,
            Self::Repeat(_) => Role::Recurrence,
            Self::Tag(_) => Role::Tag,
            Self::Priority(_) => Role::Priority,
            Self::List(_) => Role::List,
        }
    }
}

/// The phrases taken so far: the first of each kind (tags: up to `MAX_TAGS`).
#[derive(Default)]
struct Found {
    date: Option<Date>,
    time: Option<(Range<usize>, Time)>,
    repeat: Option<(Range<usize>, Repeat)>,
    tags: Vec<String>,
    priority: Option<Priority>,
    list: Option<String>,
}

impl Found {
    /// Takes `phrase` (at `words`) unless one of its kind was taken before; whether it did.
    fn take(&mut self, phrase: Phrase, words: Range<usize>) -> bool {
        fn first<T>(slot: &mut Option<T>, value: T) -> bool {
            let free = slot.is_none();
            if free {
                *slot = Some(value);
            }
            free
        }
        match phrase {
            Phrase::Date(d) => first(&mut self.date, d),
            Phrase::Time(t) => first(&mut self.time, (words, t)),
            Phrase::Repeat(r) => first(&mut self.repeat, (words, r)),
            Phrase::Priority(p) => first(&mut self.priority, p),
            Phrase::List(l) => first(&mut self.list, l),
            Phrase::Tag(tag) => {
                if self.tags.contains(&tag) {
                    true
                } else if self.tags.len() < MAX_TAGS {
                    self.tags.push(tag);
                    true
                } else {
                    false
                }
            }
        }
    }
}

/// A date or a time phrase at `i`.
fn when(toks: &[Tok], i: usize, today: Date) -> Option<(usize, Phrase)> {
    dates::date_phrase(toks, i, today)
        .map(|(n, d)| (n, Phrase::Date(d)))
        .or_else(|| times::time_phrase(toks, i).map(|(n, t)| (n, Phrase::Time(t))))
}

/// The phrase at `i`, if any: the number of words it takes and what it means.
fn phrase_at(toks: &[Tok], i: usize, today: Date) -> Option<(usize, Phrase)> {
    for glue in 1..=2 {
        let all_glue = toks
            .get(i..i + glue)
            .is_some_and(|g| g.iter().all(|t| t.is_any(GLUE)));
        if all_glue {
            let after = i + glue;
            let the_day = || dates::the_day(toks, after, today).map(|(n, d)| (n, Phrase::Date(d)));
            if let Some((n, phrase)) = when(toks, after, today).or_else(the_day) {
                return Some((glue + n, phrase));
            }
        }
    }
    if let Some((n, r)) = repeat::recurrence_phrase(toks, i) {
        return Some((n, Phrase::Repeat(r)));
    }
    if let Some(found) = when(toks, i, today) {
        return Some(found);
    }
    let tok = toks.get(i)?;
    let mark = marks::tag(tok)
        .map(Phrase::Tag)
        .or_else(|| marks::priority(tok).map(Phrase::Priority))
        .or_else(|| marks::list(tok).map(Phrase::List))?;
    Some((1, mark))
}

/// Gives the words in `range` back to the title.
fn to_title(roles: &mut [Role], range: Range<usize>) {
    if let Some(words) = roles.get_mut(range) {
        words.fill(Role::Title);
    }
}

/// Reads `text` as of `now`, the user's local wall-clock time in their zone. See the
/// module documentation and `docs/quick-add.md`.
pub fn parse(text: &str, now: DateTime) -> QuickAdd {
    let toks = words::tokens(text);
    let today = now.date();
    let mut roles = vec![Role::Title; toks.len()];
    let mut found = Found::default();
    let mut i = 0;
    while i < toks.len() {
        let Some((len, phrase)) = phrase_at(&toks, i, today) else {
            i += 1;
            continue;
        };
        let end = (i + len.max(1)).min(toks.len());
        let role = phrase.role();
        if found.take(phrase, i..end)
            && let Some(words) = roles.get_mut(i..end)
        {
            words.fill(role);
        }
        // A phrase of a kind already taken stays in the title, whole.
        i = end;
    }

    // A time that is not ahead of `now` is for tomorrow, unless a date says otherwise.
    let passed = found.time.as_ref().is_some_and(|(_, t)| *t <= now.time());
    let start = if passed {
        today.tomorrow().ok()
    } else {
        Some(today)
    };
    let mut due_date = found.date;
    if due_date.is_none()
        && let Some((words, r)) = &found.repeat
    {
        due_date = start.and_then(|s| r.pattern.first_on_or_after(s));
        if due_date.is_none() {
            // No occurrence within reach (the end of the calendar): no recurrence.
            to_title(&mut roles, words.clone());
            found.repeat = None;
        }
    }
    if due_date.is_none()
        && let Some((words, _)) = &found.time
    {
        due_date = start;
        if due_date.is_none() {
            to_title(&mut roles, words.clone());
            found.time = None;
        }
    }

    if !toks.is_empty() && !roles.contains(&Role::Title) {
        // Nothing would be left for the title: the words are the title, nothing is taken.
        roles.fill(Role::Title);
        found = Found::default();
        due_date = None;
    }

    let title = toks
        .iter()
        .zip(&roles)
        .filter(|(_, role)| **role == Role::Title)
        .map(|(t, _)| t.raw)
        .collect::<Vec<_>>()
        .join(" ");
    QuickAdd {
        title,
        due_date,
        due_time: found.time.map(|(_, t)| t),
        recurrence: found.repeat.map(|(_, r)| QuickRecurrence {
            rule: r.rule,
            from_completion: r.from_completion,
        }),
        tags: found.tags,
        priority: found.priority,
        list: found.list,
        words: toks
            .iter()
            .zip(roles)
            .map(|(t, role)| Word {
                text: t.raw.to_owned(),
                role,
            })
            .collect(),
    }
}
