//! The tasks pages: the filtered, paged list with the add form, the edit page, the delete
//! (at once, with Undo; the confirmation page stays for old links), and the done toggle.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

pub(super) use super::back::list_url;
use super::quick_box::QuickBox;
use super::repeat_form::{DAYS, REPEATS};
use super::task_filters::{Filters, Pager, Position};
use super::task_form::{Opt, TaskForm, field_errors, options};
use super::task_row::{Clock, TaskRow, name_lists, set_landings};
use super::{Chrome, IdPath as TaskPath, param};
use crate::error::AppError;
use crate::lists::model::{List, Role};
use crate::precondition::Precondition;
use crate::state::AppState;
use crate::tasks::model::Task;
use crate::tasks::query::ListQuery;
use crate::web::error::WebError;
use crate::web::flash::Undo;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(tasks_list).post(tasks_create))
        .route("/tasks/{id}/toggle", post(tasks_toggle))
        .route("/tasks/{id}/skip", post(tasks_skip))
        .route(
            "/tasks/{id}/delete",
            get(tasks_delete_page).post(tasks_delete),
        )
}

pub(super) const PRIORITIES: &[(&str, &str)] =
    &[("high", "High"), ("medium", "Medium"), ("low", "Low")];
/// The tasks page.
#[derive(Template, WebTemplate)]
#[template(path = "tasks.html")]
pub(super) struct TasksPage {
    pub(super) chrome: Chrome,
    priority_opts: Vec<Opt>,
    repeat_opts: Vec<Opt>,
    days: [(&'static str, &'static str, &'static str); 7],
    tasks: Vec<TaskRow>,
    total: u64,
    filters: Filters,
    filter_error: Option<String>,
    pager: Pager,
    /// Whether this is a later page than the first.
    paged: bool,
    form: TaskForm,
    /// The errors of a refused form (the add form's or quick add's).
    pub(super) errors: Errors,
    /// Whether "More options" (the whole task form) is open: it holds errors or text.
    more_open: bool,
    back: String,
    /// The lists of the sidebar (not archived).
    sidebar: Vec<List>,
    /// The list shown, when one is.
    current: Option<List>,
    /// Who else the shown list is shared with.
    shared_with: Vec<String>,
    /// Pending tasks across the sidebar's lists.
    all_pending: u64,
    /// The user's tags, offered by the tag fields.
    tag_names: Vec<String>,
    /// The quick-add box.
    pub(super) quick: QuickBox,
}

/// The user's tags offered by the tag fields' `<datalist>`.
pub(super) const TAG_NAMES: u32 = 200;

/// The tasks page for the query string `query`, with the add form's state.
pub(super) async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    query: Option<&str>,
    form: TaskForm,
    errors: Errors,
) -> Result<TasksPage, WebError> {
    let filters = Filters::from_query(query);
    let mut position = Position::from_query(query);
    let (list_query, filter_error) = filters.list_query(&position);
    let mut page = state.tasks.list(signed_in.user.id, &list_query).await?;
    if list_query.cursor.is_none() {
        position = Position::default();
    } else if list_query.backward && page.prev.is_none() {
        // Back at the start: the first page, whole, rather than what was before.
        let first = ListQuery {
            cursor: None,
            backward: false,
            ..list_query.clone()
        };
        page = state.tasks.list(signed_in.user.id, &first).await?;
        position = Position::default();
    }
    let base = filters.query();
    let wanted = match position.params() {
        p if p.is_empty() => base.clone(),
        p if base.is_empty() => p,
        p => format!("{base}&{p}"),
    };
    // The sidebar; listing the lists also turns shares made to this email active.
    let lists = state.lists.all(signed_in.user.id).await?;
    let current = list_query
        .list
        .and_then(|id| lists.iter().find(|l| l.id == id).cloned());
    let shared_with = match &current {
        Some(list) => state
            .lists
            .members(signed_in.user.id, list.id)
            .await?
            .into_iter()
            .filter(|m| m.user_id != Some(signed_in.user.id))
            .map(|m| m.email)
            .collect(),
        None => Vec::new(),
    };
    let all_pending = lists.iter().map(|l| l.pending_count).sum();
    let clock = Clock::of(state, signed_in).await?;
    let mut tasks: Vec<TaskRow> = page.tasks.into_iter().map(|t| clock.row(t)).collect();
    if current.is_none() {
        name_lists(&mut tasks, &lists);
    }
    set_landings(&mut tasks, filters.shown());
    let sidebar = lists.into_iter().filter(|l| !l.archived).collect();
    let pager = Pager::new(
        &base,
        position.at,
        tasks.len(),
        page.total,
        page.prev,
        page.next,
    );
    let form_priority = if form.priority.is_empty() {
        "medium"
    } else {
        form.priority.as_str()
    };
    let more_open = !errors.0.is_empty() || form.typed();
    let quick = QuickBox::new(&wanted, &filters.list);
    let tag_names = state.tasks.tag_names(signed_in.user.id, TAG_NAMES).await?;
    Ok(TasksPage {
        chrome: Chrome::new(state, &signed_in.visitor, "tasks").with_undo_back(&wanted),
        priority_opts: options(PRIORITIES, form_priority),
        repeat_opts: options(REPEATS, &form.repeat.repeat),
        days: DAYS,
        tasks,
        total: page.total,
        filters,
        filter_error,
        pager,
        paged: position.cursor.is_some(),
        back: wanted,
        more_open,
        form,
        errors,
        sidebar,
        current,
        shared_with,
        all_pending,
        tag_names,
        quick,
    })
}

async fn tasks_list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    // A form refused (or kept at the session's end) comes back here once.
    let kept = signed_in.visitor.take_kept(&state, "/tasks").await?;
    let (form, errors) = kept
        .as_ref()
        .and_then(|k| k.of::<TaskForm>("task"))
        .unwrap_or_default();
    let mut page = render_list(&state, &signed_in, query.as_deref(), form, errors).await?;
    if let Some(kept) = &kept {
        page.chrome.kept(kept);
        if let Some((quick, errors)) = QuickBox::kept(kept) {
            page.quick = quick;
            page.errors = errors;
        }
    }
    Ok(page.into_response())
}

async fn tasks_create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<TaskForm>,
) -> Result<Response, WebError> {
    let clock = Clock::of(&state, &signed_in).await?;
    let errors = match form.parse(&clock.zone, clock.now) {
        Ok(fields) => match state.tasks.create(signed_in.user.id, fields).await {
            Ok(_) => {
                visitor.flash("task-added");
                return Ok(see_other(&format!("{}{QUICK}", list_url(&form.back))));
            }
            Err(e) => field_errors(e)?,
        },
        Err(errors) => errors,
    };
    // Post/redirect/get: the form is kept for the list page, which shows it once.
    let page = super::back::tasks_page(&form.back);
    visitor.refuse(&state, "task", &page, errors).await
}

#[derive(Deserialize)]
struct ToggleForm {
    #[serde(default)]
    completed: String,
    #[serde(default)]
    back: String,
    /// The version of the task the page showed.
    #[serde(default)]
    version: String,
    /// The row to land on afterwards (this one, or the one that takes its place).
    #[serde(default)]
    land: String,
}

/// The fragment of a page that lands on the quick-add box, which the browser focuses.
pub(super) const QUICK: &str = "#quick-text";

/// The version a row's form was made from, as the precondition of its change: a second
/// click on a page that is out of date (a recurring task already rolled on) does nothing.
pub(super) fn shown_version(raw: &str) -> Option<Precondition> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .map(|v| Precondition::Versions(vec![v]))
}

/// Runs a row's change; a task that changed since the page was shown is left alone, and
/// one that is gone (deleted, or no longer shared: a stale tab) is not an error page:
/// either answers with the notice to show instead.
async fn row_change(
    change: impl std::future::Future<Output = Result<Task, AppError>>,
) -> Result<Result<Task, &'static str>, WebError> {
    match change.await {
        Ok(task) => Ok(Ok(task)),
        Err(AppError::PreconditionFailed(_)) => Ok(Err("task-stale")),
        Err(AppError::NotFound(_)) => Ok(Err("task-gone")),
        Err(e) => Err(e.into()),
    }
}

async fn tasks_toggle(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    CsrfForm { visitor, form }: CsrfForm<ToggleForm>,
) -> Result<Response, WebError> {
    // The form says which state it wants, so a double click cannot undo itself, and the
    // version it was shown at, so a double click cannot complete two occurrences.
    let completed = form.completed == "true";
    let precondition = shown_version(&form.version);
    let change = state.tasks.complete(
        signed_in.user.id,
        id,
        Some(completed),
        precondition.as_ref(),
    );
    let land = Uuid::parse_str(form.land.trim()).unwrap_or(id);
    let row = match row_change(change).await? {
        // Completing answers with an Undo, bound to the version it left the task at.
        Ok(task) if completed => {
            visitor.flash_undo(Undo::Done(id, task.version));
            Some(land)
        }
        Ok(_) => {
            visitor.flash("task-undone");
            Some(land)
        }
        Err(notice) => {
            visitor.flash(notice);
            None
        }
    };
    Ok(see_other(&landing(&form.back, row)))
}

/// Where a row's action comes back to: the same view, at the row `row` (the task, or the
/// one that took its place), which the browser scrolls to and focuses; at the top when
/// the action did not happen (the notice says why).
fn landing(back: &str, row: Option<Uuid>) -> String {
    match row {
        Some(id) => format!("{}#task-{id}", list_url(back)),
        None => list_url(back),
    }
}

async fn tasks_skip(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    CsrfForm { visitor, form }: CsrfForm<BackForm>,
) -> Result<Response, WebError> {
    let precondition = shown_version(&form.version);
    let change = state
        .tasks
        .skip(signed_in.user.id, id, precondition.as_ref());
    let changed = row_change(change).await?;
    visitor.flash(changed.as_ref().map_or_else(|n| *n, |_| "task-skipped"));
    Ok(see_other(&landing(&form.back, changed.ok().map(|_| id))))
}

#[derive(Template, WebTemplate)]
#[template(path = "task_delete.html")]
struct DeletePage {
    chrome: Chrome,
    id: Uuid,
    title: String,
    back: String,
    cancel: String,
}

async fn tasks_delete_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let task = state.tasks.get(signed_in.user.id, id).await?;
    let back = param(query.as_deref(), "back").unwrap_or_default();
    Ok(DeletePage {
        chrome: Chrome::new(&state, &signed_in.visitor, "tasks"),
        id,
        title: task.title,
        cancel: list_url(&back),
        back,
    }
    .into_response())
}

/// A row's (or a notice's) form: where to come back to, and a version when it has one.
#[derive(Deserialize)]
pub(super) struct BackForm {
    #[serde(default)]
    pub(super) back: String,
    /// The version of the task the page showed (or the change left), when the form
    /// sends one.
    #[serde(default)]
    pub(super) version: String,
}

/// Deletes at once, answering with an Undo (the task stays restorable for a while);
/// a task already gone answers with a notice.
async fn tasks_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    CsrfForm { visitor, form }: CsrfForm<BackForm>,
) -> Result<Response, WebError> {
    match state.tasks.delete(signed_in.user.id, id, None).await {
        Ok(()) => visitor.flash_undo(Undo::Delete(id)),
        Err(AppError::NotFound(_)) => visitor.flash("task-gone"),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&list_url(&form.back)))
}
