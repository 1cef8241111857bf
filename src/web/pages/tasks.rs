//! The tasks pages: the filtered, paged list with the add form, the edit page, the delete
//! (at once, with Undo; the confirmation page stays for old links), and the done toggle.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::quick_box::QuickBox;
use super::repeat_form::{DAYS, REPEATS};
use super::task_form::{Opt, TaskForm, field_errors, options};
use super::task_row::{Clock, TaskRow};
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

/// Tasks per page.
const PAGE_SIZE: u32 = 20;

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

/// Done tasks are hidden unless asked for: the default is `pending`.
const STATUSES: &[(&str, &str)] = &[
    ("pending", "To do"),
    ("all", "To do and done"),
    ("completed", "Done"),
];
const PRIORITY_FILTER: &[(&str, &str)] = &[
    ("", "Any priority"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
];
pub(super) const PRIORITIES: &[(&str, &str)] =
    &[("high", "High"), ("medium", "Medium"), ("low", "Low")];
const SORTS: &[(&str, &str)] = &[
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
    ("due_at", "Due date"),
    ("-priority", "Priority"),
    ("title", "Title A-Z"),
    ("-updated_at", "Recently changed"),
];

/// The filter form's values, as typed.
#[derive(Default)]
struct Filters {
    /// The list shown (empty: every list); the page's scope rather than a filter.
    list: String,
    status: String,
    priority: String,
    tag: String,
    q: String,
    sort: String,
}

impl Filters {
    fn from_query(query: Option<&str>) -> Self {
        let get = |name| param(query, name).unwrap_or_default();
        Self {
            list: get("list"),
            status: get("status"),
            priority: get("priority"),
            tag: get("tag"),
            q: get("q"),
            sort: get("sort"),
        }
    }

    /// Where "Clear" leads: the same list, unfiltered.
    fn cleared(&self) -> String {
        if self.list.is_empty() {
            "/tasks".to_owned()
        } else {
            let list: String = url::form_urlencoded::byte_serialize(self.list.as_bytes()).collect();
            format!("/tasks?list={list}")
        }
    }

    fn any(&self) -> bool {
        !(self.status.is_empty() || self.status == "pending")
            || !self.priority.is_empty()
            || !self.tag.is_empty()
            || !self.q.is_empty()
    }

    /// Whether done tasks are shown.
    fn shows_completed(&self) -> bool {
        matches!(self.status.as_str(), "all" | "completed")
    }

    /// The same view with done tasks shown too, or hidden again.
    fn completed_switch(&self) -> String {
        let mut other = Filters {
            list: self.list.clone(),
            status: if self.shows_completed() {
                String::new()
            } else {
                "all".to_owned()
            },
            priority: self.priority.clone(),
            tag: self.tag.clone(),
            q: self.q.clone(),
            sort: self.sort.clone(),
        };
        if other.status.is_empty() && self.status == "completed" {
            other.status = String::new();
        }
        list_url(&other.query())
    }

    /// The query string of these filters (no cursor), for links.
    fn query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("list", &self.list),
            ("status", &self.status),
            ("priority", &self.priority),
            ("tag", &self.tag),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }
}

/// The tasks page.
#[derive(Template, WebTemplate)]
#[template(path = "tasks.html")]
pub(super) struct TasksPage {
    chrome: Chrome,
    status_opts: Vec<Opt>,
    priority_filter_opts: Vec<Opt>,
    sort_opts: Vec<Opt>,
    priority_opts: Vec<Opt>,
    repeat_opts: Vec<Opt>,
    days: [(&'static str, &'static str, &'static str); 7],
    tasks: Vec<TaskRow>,
    total: u64,
    filters: Filters,
    filter_error: Option<String>,
    next_url: Option<String>,
    first_url: Option<String>,
    form: TaskForm,
    errors: Errors,
    back: String,
    /// The lists of the sidebar (not archived).
    sidebar: Vec<List>,
    /// The list shown, when one is.
    current: Option<List>,
    /// Who else the shown list is shared with.
    shared_with: Vec<String>,
    /// Pending tasks across the sidebar's lists.
    all_pending: u64,
    /// The quick-add box.
    pub(super) quick: QuickBox,
}

/// Where the list with `back`'s filters lives. `back` came from our own query string;
/// anything that would not survive as a header value falls back to the plain list.
/// (`/today` and `/upcoming` lead back to those views.)
pub(super) fn list_url(back: &str) -> String {
    if let Some(view) = super::back::own_view(back) {
        return view.to_owned();
    }
    let clean = back.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
    if back.is_empty() || !clean {
        "/tasks".to_owned()
    } else {
        format!("/tasks?{back}")
    }
}

/// The tasks page for the query string `query`, with the add form's state.
pub(super) async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    query: Option<&str>,
    form: TaskForm,
    errors: Errors,
) -> Result<TasksPage, WebError> {
    let filters = Filters::from_query(query);
    let cursor = param(query, "cursor").unwrap_or_default();
    let mut wanted = filters.query();
    if !cursor.is_empty() {
        let mut s = url::form_urlencoded::Serializer::new(wanted);
        s.append_pair("cursor", &cursor);
        wanted = s.finish();
    }
    // Done tasks are hidden unless the filters ask for them.
    let limit = if filters.status.is_empty() {
        format!("limit={PAGE_SIZE}&status=pending")
    } else {
        format!("limit={PAGE_SIZE}")
    };
    let (list_query, filter_error) = match ListQuery::parse(&format!("{wanted}&{limit}")) {
        Ok(q) => (q, None),
        Err(errors) => {
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            let message = format!(
                "Some filters were not understood ({}), so all tasks are shown.",
                fields.join(", ")
            );
            let q = ListQuery::parse(&limit).map_err(|_| AppError::Internal("bad limit".into()))?;
            (q, Some(message))
        }
    };
    let page = state.tasks.list(signed_in.user.id, &list_query).await?;
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
    let sidebar = lists.into_iter().filter(|l| !l.archived).collect();
    let clock = Clock::of(state, signed_in).await?;
    let base = filters.query();
    let sep = if base.is_empty() { "" } else { "&" };
    let next_url = page.next.map(|c| {
        let cursor: String = url::form_urlencoded::byte_serialize(c.as_bytes()).collect();
        format!("/tasks?{base}{sep}cursor={cursor}")
    });
    let first_url = list_query.cursor.is_some().then(|| list_url(&base));
    let form_priority = if form.priority.is_empty() {
        "medium"
    } else {
        form.priority.as_str()
    };
    let quick = QuickBox::new(&wanted, &filters.list);
    Ok(TasksPage {
        chrome: Chrome::new(state, &signed_in.visitor, "tasks").with_undo_back(&wanted),
        status_opts: options(
            STATUSES,
            if filters.status.is_empty() {
                "pending"
            } else {
                &filters.status
            },
        ),
        priority_filter_opts: options(PRIORITY_FILTER, &filters.priority),
        sort_opts: options(
            SORTS,
            if filters.sort.is_empty() {
                "-created_at"
            } else {
                &filters.sort
            },
        ),
        priority_opts: options(PRIORITIES, form_priority),
        repeat_opts: options(REPEATS, &form.repeat.repeat),
        days: DAYS,
        tasks: page.tasks.into_iter().map(|t| clock.row(t)).collect(),
        total: page.total,
        filters,
        filter_error,
        next_url,
        first_url,
        back: wanted,
        form,
        errors,
        sidebar,
        current,
        shared_with,
        all_pending,
        quick,
    })
}

async fn tasks_list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let page = render_list(
        &state,
        &signed_in,
        query.as_deref(),
        TaskForm::default(),
        Errors::default(),
    )
    .await?;
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
                return Ok(see_other(&list_url(&form.back)));
            }
            Err(e) => field_errors(e)?,
        },
        Err(errors) => errors,
    };
    let back = form.back.clone();
    let page = render_list(&state, &signed_in, Some(&back), form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
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
}

/// The version a row's form was made from, as the precondition of its change: a second
/// click on a page that is out of date (a recurring task already rolled on) does nothing.
fn shown_version(raw: &str) -> Option<Precondition> {
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
    match row_change(change).await? {
        // Completing answers with an Undo, bound to the version it left the task at.
        Ok(task) if completed => visitor.flash_undo(Undo::Done(id, task.version)),
        Ok(_) => visitor.flash("task-undone"),
        Err(notice) => visitor.flash(notice),
    }
    Ok(see_other(&list_url(&form.back)))
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
    visitor.flash(
        row_change(change)
            .await?
            .map_or_else(|n| n, |_| "task-skipped"),
    );
    Ok(see_other(&list_url(&form.back)))
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
