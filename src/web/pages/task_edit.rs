//! The edit page of a task: its form (with the due time and the repeat fields) and, for a
//! recurring task, the occurrences done before. The form carries the version it was made
//! from; a save against a newer version is not written but shown beside the task as it
//! is now (`task_conflict.rs`), to keep the user's changes or take the saved ones.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use uuid::Uuid;

use super::back::edit_url;
use super::repeat_form::{DAYS, REPEATS};
use super::task_conflict::{Compared, compare};
use super::task_form::{Opt, TaskForm, field_errors, options};
use super::task_row::Clock;
use super::tasks::{PRIORITIES, TAG_NAMES, list_url, shown_version};
use super::{Chrome, IdPath as TaskPath, param};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::kept::{Kept, Reason};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The edit page's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks/{id}/edit", get(tasks_edit_page))
        .route("/tasks/{id}", post(tasks_update))
}

#[derive(Template, WebTemplate)]
#[template(path = "task_edit.html")]
struct EditPage {
    chrome: Chrome,
    priority_opts: Vec<Opt>,
    repeat_opts: Vec<Opt>,
    days: [(&'static str, &'static str, &'static str); 7],
    id: Uuid,
    form: TaskForm,
    errors: Errors,
    cancel: String,
    /// The recorded occurrences of a recurring task, newest first.
    history: Vec<HistoryRow>,
    /// The user's tags, offered by the tags field.
    tag_names: Vec<String>,
    /// After a stale save: the user's values beside the saved ones (else empty).
    conflict: Vec<Compared>,
}

/// One recorded occurrence, as the edit page lists it.
struct HistoryRow {
    due: String,
    completed: String,
    by_you: bool,
}

impl EditPage {
    async fn new(
        state: &AppState,
        signed_in: &SignedIn,
        visitor: &crate::web::session::Visitor,
        clock: &Clock,
        id: Uuid,
        form: TaskForm,
        errors: Errors,
    ) -> Result<Self, WebError> {
        let history = state
            .tasks
            .history(signed_in.user.id, id)
            .await?
            .into_iter()
            .map(|o| HistoryRow {
                due: clock.due(o.due_at, o.due_date).unwrap_or_default(),
                completed: clock.instant(o.completed_at),
                by_you: o.completed_by == signed_in.user.id,
            })
            .collect();
        let tag_names = state.tasks.tag_names(signed_in.user.id, TAG_NAMES).await?;
        Ok(Self {
            chrome: Chrome::new(state, visitor, "tasks"),
            priority_opts: options(
                PRIORITIES,
                if form.priority.is_empty() {
                    "medium"
                } else {
                    &form.priority
                },
            ),
            repeat_opts: options(REPEATS, &form.repeat.repeat),
            days: DAYS,
            id,
            cancel: list_url(&form.back),
            form,
            errors,
            history,
            tag_names,
            conflict: Vec::new(),
        })
    }
}

async fn tasks_edit_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let task = state.tasks.get(signed_in.user.id, id).await?;
    let back = param(query.as_deref(), "back").unwrap_or_default();
    let clock = Clock::of(&state, &signed_in).await?;
    let saved = TaskForm::from_task(&task, back, &clock.zone);
    let visitor = &signed_in.visitor;
    let kept = visitor
        .take_kept(&state, &format!("/tasks/{id}/edit"))
        .await?;
    let typed = kept
        .as_ref()
        .and_then(|k: &Kept| Some((k.reason, k.of::<TaskForm>("task")?)));
    let (form, errors, conflict) = match typed {
        // A stale save: the user's values, now against the version shown beside them.
        Some((Reason::Conflict, (mut mine, _))) => {
            mine.version = saved.version.clone();
            let rows = compare(&mine, &saved);
            (mine, Errors::default(), rows)
        }
        Some((_, (mine, errors))) => (mine, errors, Vec::new()),
        None => (saved, Errors::default(), Vec::new()),
    };
    let mut page = EditPage::new(&state, &signed_in, visitor, &clock, id, form, errors).await?;
    page.conflict = conflict;
    if let Some(kept) = &kept {
        page.chrome.kept(kept);
    }
    Ok(page.into_response())
}

async fn tasks_update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    CsrfForm { visitor, form }: CsrfForm<TaskForm>,
) -> Result<Response, WebError> {
    let clock = Clock::of(&state, &signed_in).await?;
    let page = edit_url(id, &form.back);
    let errors = match form.parse(&clock.zone, clock.now) {
        Ok(fields) => {
            // Saved only over the version the form was made from (when it says).
            let precondition = shown_version(&form.version);
            let user = signed_in.user.id;
            match state
                .tasks
                .replace(user, id, fields, precondition.as_ref())
                .await
            {
                Ok(_) => {
                    visitor.flash("task-saved");
                    return Ok(see_other(&list_url(&form.back)));
                }
                Err(AppError::PreconditionFailed(_)) => {
                    let kept = Kept {
                        form: "task".to_owned(),
                        reason: Reason::Conflict,
                        ..Kept::default()
                    };
                    visitor.keep(&state, &page, kept).await?;
                    return Ok(see_other(&format!("{page}#conflict")));
                }
                Err(e) => field_errors(e)?,
            }
        }
        Err(errors) => errors,
    };
    visitor.refuse(&state, "task", &page, errors).await
}
