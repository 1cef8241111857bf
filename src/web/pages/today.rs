//! The Today page (what is overdue and what is due today) and the Upcoming page (the
//! next 7 days, by day), both reckoned in the signed-in user's time zone. `/` is Today.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashSet;
use time::{Date, Duration};

use super::Chrome;
use super::back::{TODAY, UPCOMING};
use super::quick_box::QuickBox;
use super::task_row::{Clock, Shown, TaskRow, name_lists, set_landings};
use crate::error::AppError;
use crate::state::AppState;
use crate::tasks::model::Task;
use crate::tasks::query::{ListQuery, MAX_LIMIT};
use crate::web::error::WebError;
use crate::web::forms::Errors;
use crate::web::session::SignedIn;
use crate::zone::to_civil;

/// Days Upcoming shows, today included.
const DAYS: i64 = 7;
/// Where the whole list of pending tasks, by due, lives (for "there are more").
const ALL_BY_DUE: &str = "/tasks?status=pending&sort=due_at";

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(today))
        .route(TODAY, get(today))
        .route(UPCOMING, get(upcoming))
}

/// "Wednesday 9 December".
fn long_date(day: Date) -> String {
    to_civil(day).map_or_else(|| day.to_string(), |d| d.strftime("%A %-d %B").to_string())
}

/// The pending tasks of due window `window` (`overdue`, `today`, `upcoming`) in due
/// order, at most [`MAX_LIMIT`], and whether there are more.
async fn pending(
    state: &AppState,
    signed_in: &SignedIn,
    window: &str,
) -> Result<(Vec<Task>, bool), WebError> {
    let query = ListQuery::parse(&format!(
        "due={window}&status=pending&sort=due_at&limit={MAX_LIMIT}"
    ))
    .map_err(|_| AppError::Internal(format!("the due={window} query does not parse")))?;
    let page = state.tasks.list(signed_in.user.id, &query).await?;
    Ok((page.tasks, page.next.is_some()))
}

/// The Today page.
#[derive(Template, WebTemplate)]
#[template(path = "today.html")]
pub struct TodayPage {
    chrome: Chrome,
    /// The quick-add box.
    pub quick: QuickBox,
    /// A refused quick add's errors.
    errors: Errors,
    /// Where the rows' forms come back to.
    back: &'static str,
    /// Today's date in words.
    date: String,
    overdue: Vec<TaskRow>,
    today: Vec<TaskRow>,
    /// Whether a window held more tasks than were read.
    more: bool,
    all_url: &'static str,
}

/// The Today page for `signed_in`.
pub async fn today_page(state: &AppState, signed_in: &SignedIn) -> Result<TodayPage, WebError> {
    let clock = Clock::of(state, signed_in).await?;
    let (overdue, more_overdue) = pending(state, signed_in, "overdue").await?;
    let (today, more_today) = pending(state, signed_in, "today").await?;
    // A timed task due earlier today is overdue already: it is shown there only.
    let seen: HashSet<_> = overdue.iter().map(|t| t.id).collect();
    let lists = state.lists.all(signed_in.user.id).await?;
    let rows = |tasks: Vec<Task>| {
        let mut rows: Vec<TaskRow> = tasks
            .into_iter()
            .filter(|t| !seen.contains(&t.id))
            .map(|t| clock.row(t))
            .collect();
        name_lists(&mut rows, &lists);
        set_landings(&mut rows, Shown::Pending);
        rows
    };
    let today = rows(today);
    let mut overdue: Vec<TaskRow> = overdue.into_iter().map(|t| clock.row(t)).collect();
    name_lists(&mut overdue, &lists);
    set_landings(&mut overdue, Shown::Pending);
    Ok(TodayPage {
        chrome: Chrome::new(state, &signed_in.visitor, "today").with_undo_back(TODAY),
        quick: QuickBox::new(TODAY, ""),
        errors: Errors::default(),
        back: TODAY,
        date: long_date(clock.today),
        overdue,
        today,
        more: more_overdue || more_today,
        all_url: ALL_BY_DUE,
    })
}

async fn today(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response, WebError> {
    let mut page = today_page(&state, &signed_in).await?;
    if let Some((quick, errors)) = kept_box(&state, &signed_in, TODAY, &mut page.chrome).await? {
        page.quick = quick;
        page.errors = errors;
    }
    Ok(page.into_response())
}

/// A quick-add box kept for the view `path` (refused, or sent after the session ended).
async fn kept_box(
    state: &AppState,
    signed_in: &SignedIn,
    path: &str,
    chrome: &mut Chrome,
) -> Result<Option<(QuickBox, Errors)>, WebError> {
    let Some(kept) = signed_in.visitor.take_kept(state, path).await? else {
        return Ok(None);
    };
    chrome.kept(&kept);
    Ok(QuickBox::kept(&kept))
}

/// One day of Upcoming.
struct Day {
    day: Date,
    /// `YYYY-MM-DD`, for the section's id.
    id: String,
    /// "Today", "Tomorrow", or "Friday 11 December".
    name: String,
    /// The date in words beside "Today" and "Tomorrow"; empty otherwise.
    date: String,
    tasks: Vec<TaskRow>,
}

/// The Upcoming page.
#[derive(Template, WebTemplate)]
#[template(path = "upcoming.html")]
pub struct UpcomingPage {
    chrome: Chrome,
    /// The quick-add box.
    pub quick: QuickBox,
    /// A refused quick add's errors.
    errors: Errors,
    back: &'static str,
    days: Vec<Day>,
    /// Whether no day has a task.
    empty: bool,
    /// Whether a window held more tasks than were read.
    more: bool,
    all_url: &'static str,
}

/// The Upcoming page for `signed_in`: today and the 6 days after it.
pub async fn upcoming_page(
    state: &AppState,
    signed_in: &SignedIn,
) -> Result<UpcomingPage, WebError> {
    let clock = Clock::of(state, signed_in).await?;
    let (mut tasks, more_today) = pending(state, signed_in, "today").await?;
    // `upcoming` is the 7 days after today; the last of them is not shown.
    let (later, more_later) = pending(state, signed_in, "upcoming").await?;
    tasks.extend(later);
    let mut days: Vec<Day> = (0..DAYS)
        .filter_map(|n| Some((n, clock.today.checked_add(Duration::days(n))?)))
        .map(|(n, day)| {
            let (name, date) = match n {
                0 => ("Today".to_owned(), long_date(day)),
                1 => ("Tomorrow".to_owned(), long_date(day)),
                _ => (long_date(day), String::new()),
            };
            Day {
                day,
                id: day.to_string(),
                name,
                date,
                tasks: Vec::new(),
            }
        })
        .collect();
    // In due order within each day, as read.
    for task in tasks {
        let local = clock.day_of(&task);
        if let Some(day) = days.iter_mut().find(|d| Some(d.day) == local) {
            day.tasks.push(clock.row(task));
        }
    }
    let lists = state.lists.all(signed_in.user.id).await?;
    for day in &mut days {
        name_lists(&mut day.tasks, &lists);
        set_landings(&mut day.tasks, Shown::Pending);
    }
    Ok(UpcomingPage {
        chrome: Chrome::new(state, &signed_in.visitor, "upcoming").with_undo_back(UPCOMING),
        quick: QuickBox::new(UPCOMING, ""),
        errors: Errors::default(),
        back: UPCOMING,
        empty: days.iter().all(|d| d.tasks.is_empty()),
        days,
        more: more_today || more_later,
        all_url: ALL_BY_DUE,
    })
}

async fn upcoming(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let mut page = upcoming_page(&state, &signed_in).await?;
    let kept = kept_box(&state, &signed_in, UPCOMING, &mut page.chrome).await?;
    if let Some((quick, errors)) = kept {
        page.quick = quick;
        page.errors = errors;
    }
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_are_said_in_words() {
        assert_eq!(long_date(date!(2026 - 12 - 09)), "Wednesday 9 December");
        assert_eq!(long_date(date!(2027 - 01 - 01)), "Friday 1 January");
    }
}
